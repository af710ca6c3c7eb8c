namespace Locktera.Cli.Commands;

/// <summary>
/// The long transfers, with progress bars, and both resumable: <c>encode</c> (large ones in an
/// upload session whose URL an <see cref="UploadState"/> keeps until the container exists) and
/// <c>decode</c> (the client library's resumable download).
/// </summary>
internal static class TransferCommands
{
    public static Command Encode(CliApp app)
    {
        var files = new Argument<FileInfo[]>("files") { Description = "The files to put in the container", Arity = ArgumentArity.OneOrMore };
        var name = new Option<string>("--name") { Description = "The container's name (default: the first file's)" };
        var recipients = new Option<string[]>("--recipient") { Description = "An email allowed to open it (repeat for several)" };
        var password = new Option<string>("--password") { Description = "A password every decode must give" };
        var downloadable = new Option<bool>("--downloadable") { Description = "Let viewers download the files, not only view them" };
        var tags = new Option<string[]>("--tag") { Description = "A tag (repeat for several)" };
        var drm = new Option<string>("--drm") { Description = "DRM rules (docs/drm.md). " + DrmCommands.RulesHelp };
        var dynamic = new Option<bool>("--dynamic") { Description = "Keep the DRM rules changeable after encode (`drm set`)" };
        var command = new Command("encode", "Encode files into a new container; large ones go in parts, and running the same command again after an interruption resumes")
        {
            files, name, recipients, password, downloadable, tags, drm, dynamic,
        };
        app.Handle(command, async (cli, ct) =>
        {
            var given = cli.Get(files);
            var rules = cli.Parsed.GetValue(drm) is { } text ? await DrmCommands.ReadRulesAsync(text, ct) : null;
            if (cli.Parsed.GetValue(dynamic))
            {
                rules ??= [];
                rules["dynamic"] = true;
            }
            var options = new EncodeOptions(
                Name: cli.Parsed.GetValue(name) ?? given[0].Name,
                Password: cli.Parsed.GetValue(password),
                Recipients: NullIfEmpty(cli.Parsed.GetValue(recipients)),
                Downloadable: cli.Parsed.GetValue(downloadable) ? true : null,
                Tags: NullIfEmpty(cli.Parsed.GetValue(tags)),
                Drm: rules);
            var encodeFiles = given.Select(f => f.Exists ? EncodeFile.FromPath(f.FullName) : throw new FileNotFoundException($"No such file: {f.FullName}")).ToList();
            var state = UploadState.For(cli.Host.ConfigDirectory, cli.Client.Credentials, given, options);
            var resume = new UploadResume { SessionUrl = state.Load(), SessionStarted = state.Save };
            if (resume.SessionUrl is not null)
            {
                cli.Note("Resuming the upload that stopped before.");
            }
            var encoded = await cli.TransferAsync($"Encoding {options.Name}", progress => cli.Client.Containers.EncodeAsync(encodeFiles, options, progress, resume, ct));
            state.Remove();
            cli.Result(encoded, e => ContainerCommands.Describe(e.Container));
        });
        return command;
    }

    public static Command Decode(CliApp app)
    {
        var id = ContainerCommands.Id();
        var file = new Argument<string?>("file") { Description = "The file to download (without it: the container's manifest)", Arity = ArgumentArity.ZeroOrOne };
        var output = new Option<string>("--output", "-o") { Description = "Where to write the file (default: its name, here)" };
        var password = new Option<string>("--password") { Description = "The container's password, if it has one" };
        var command = new Command("decode", "Show a container's files, or download one (resumes a download that stopped)") { id, file, output, password };
        app.Handle(command, async (cli, ct) =>
        {
            var container = cli.Get(id);
            if (cli.Parsed.GetValue(file) is not { } name)
            {
                var manifest = await cli.Client.Containers.GetManifestAsync(container, cli.Parsed.GetValue(password), ct);
                cli.Result(manifest, m =>
                {
                    var table = Render.Table("File", "Type", "Size");
                    foreach (var (fileName, f) in m.Files)
                    {
                        table.Row(fileName, f.Type, Render.Bytes(f.Size));
                    }
                    return table.Title(new TableTitle(Markup.Escape(m.Container.Name)));
                });
                return;
            }
            var path = Path.GetFullPath(cli.Parsed.GetValue(output) ?? Path.GetFileName(name));
            await cli.TransferAsync($"Decoding {name}", async progress =>
            {
                await cli.Client.Containers.DownloadToAsync(container, name, path, progress, cli.Parsed.GetValue(password), ct);
                return path;
            });
            cli.Result(new { Path = path, Bytes = new FileInfo(path).Length }, d => new Text($"Wrote {Render.Bytes(d.Bytes)} to {d.Path}\n"));
        });
        return command;
    }

    private static string[]? NullIfEmpty(string[]? values) => values is { Length: > 0 } ? values : null;
}
