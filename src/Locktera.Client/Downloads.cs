using System.Net;
using System.Net.Http.Headers;

namespace Locktera.Client;

/// <summary>
/// A decoded file downloaded to disk, resumably: the bytes go to <c>{path}.partial</c>, the file's
/// version (its ETag) to <c>{path}.partial.etag</c>; a later download of the same file asks only for
/// what is missing, on condition that the file is still that version (If-Range), and otherwise
/// starts over. The file takes its name once it is whole.
/// </summary>
internal static class Downloads
{
    public static async Task ToFileAsync(LockteraPipeline pipeline, string url, Action<HttpRequestMessage> configure, string path, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        var partial = path + ".partial";
        var versionFile = partial + ".etag";
        var have = File.Exists(partial) && File.Exists(versionFile) ? new FileInfo(partial).Length : 0;
        using var request = pipeline.Request(HttpMethod.Get, url, null);
        configure(request);
        if (have > 0 && EntityTagHeaderValue.TryParse(await File.ReadAllTextAsync(versionFile, cancellationToken), out var version))
        {
            request.Headers.Range = new RangeHeaderValue(have, null);
            request.Headers.IfRange = new RangeConditionHeaderValue(version);
        }
        HttpResponseMessage response;
        try
        {
            response = await pipeline.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (LockteraException e) when (e.Status == 416 && have > 0)
        {
            // Nothing after what the partial file holds: it is whole.
            Finish(partial, versionFile, path);
            return;
        }
        using (response)
        {
            var resumed = response.StatusCode == HttpStatusCode.PartialContent;
            var total = ContentRanges.TotalOf(response) ?? 0;
            if (response.Headers.ETag is { } etag)
            {
                await File.WriteAllTextAsync(versionFile, etag.ToString(), cancellationToken);
            }
            var counter = new TransferCounter(total, progress);
            counter.Add(resumed ? have : 0);
            await using (var file = new FileStream(partial, resumed ? FileMode.Append : FileMode.Create, FileAccess.Write))
            await using (var body = await response.Content.ReadAsStreamAsync(cancellationToken))
            {
                var buffer = new byte[81920];
                int read;
                while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                    counter.Add(read);
                }
            }
            Finish(partial, versionFile, path);
        }
    }

    private static void Finish(string partial, string versionFile, string path)
    {
        File.Move(partial, path, overwrite: true);
        File.Delete(versionFile);
    }
}
