using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Locktera.Cli.Commands;

/// <summary>
/// The upload session an unfinished <c>encode</c> left behind, kept in
/// <c>{config}/uploads/{key}.json</c> so that the same command run again carries it on. The key
/// stands for the same command: the API and org, each file's full path, size and modification time,
/// and the container's options. It is an HMAC under the API key, so that the file name tells no
/// one without the key what the password was.
/// </summary>
internal sealed class UploadState(string path)
{
    public static UploadState For(string configDirectory, LockteraCredentials credentials, IReadOnlyList<FileInfo> files, EncodeOptions options)
    {
        var command = JsonSerializer.Serialize(new
        {
            Api = credentials.ApiUrl.ToString(),
            Org = credentials.OrgId,
            Files = files.Select(f => new { f.FullName, f.Length, Modified = f.LastWriteTimeUtc.Ticks }),
            Options = options,
        }, LockteraJson.Options);
        var key = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(credentials.ApiKey), Encoding.UTF8.GetBytes(command)));
        return new UploadState(Path.Combine(configDirectory, "uploads", key + ".json"));
    }

    /// <summary>The session of the same command that stopped before, if there is one.</summary>
    public Uri? Load()
    {
        try
        {
            return File.Exists(path) && JsonSerializer.Deserialize<Saved>(File.ReadAllText(path), LockteraJson.Options)?.SessionUrl is { } url ? url : null;
        }
        catch (JsonException)
        {
            // A file cut short (the disk filled, the process died while writing): start over.
            return null;
        }
    }

    /// <summary>Keeps the session's URL, readable by the user alone (it leads to the session with their key).</summary>
    public void Save(Uri sessionUrl)
    {
        var directory = Path.GetDirectoryName(path)!;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        File.WriteAllText(path, JsonSerializer.Serialize(new Saved(sessionUrl, DateTimeOffset.UtcNow), LockteraJson.Options));
    }

    /// <summary>The container exists: nothing left to resume.</summary>
    public void Remove()
    {
        if (File.Exists(path))
        {
            File.Delete(path);
        }
    }

    private sealed record Saved(Uri SessionUrl, DateTimeOffset StartedAt);
}
