using System.Reflection;
using System.Text.RegularExpressions;
using Locktera.Client;

namespace Locktera.Functions.Tests.Unit;

/// <summary>
/// The client library's table of operations is docs/openapi.yaml's: the same ids, methods and
/// paths, none missing, none extra; and the client calls every one of them, but for the few below.
/// </summary>
public sealed partial class ClientOperationsTests
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch"];

    /// <summary>The operations no method of the client calls, and why.</summary>
    private static readonly Dictionary<string, string> NotInTheClient = new(StringComparer.Ordinal)
    {
        ["getApiReference"] = "the reference page is HTML for a browser; GetOpenApiDocumentAsync gives the document it shows",
        ["getApiReferenceAsset"] = "a script or style sheet of that page",
        // The org-free aliases of org routes: the org-key client always knows its org and calls the
        // org's route; a viewer token may not call these (only the decode aliases, which ViewerClient uses).
        ["getContainerById"] = "an alias of getContainer without the org",
        ["deleteContainerById"] = "an alias of deleteContainer without the org",
        ["getContainerDrmById"] = "an alias of getContainerDrm without the org",
        ["changeContainerDrmById"] = "an alias of changeContainerDrm without the org",
        // An upload session names its own URLs (session_endpoints); PartedUpload follows those.
        ["uploadPart"] = "sent to the session's part URL",
        ["getUploadSession"] = "read at the session's status URL",
        ["listUploadParts"] = "read at the session's parts URL",
        ["commitUploadSession"] = "sent to the session's commit URL",
        ["abortUploadSession"] = "sent to the session's status URL",
    };

    /// <summary>The client library's sources, copied next to the tests by the project file.</summary>
    private static readonly string ClientSources = Path.Combine(AppContext.BaseDirectory, "client");

    private static Dictionary<string, string> Documented() =>
        DocumentedApi.Document["paths"]!.AsObject()
            .SelectMany(path => Methods.Where(m => path.Value![m] is not null).Select(m => (Id: path.Value![m]!["operationId"]!.GetValue<string>(), Line: $"{m.ToUpperInvariant()} {path.Key}")))
            .ToDictionary(o => o.Id, o => o.Line);

    private static Dictionary<string, string> InTheClient() =>
        typeof(Operations).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (Operation)f.GetValue(null)!)
            .ToDictionary(o => o.Id, o => $"{o.Method} {o.Path}");

    [Fact]
    public void Every_documented_operation_is_in_the_client_as_documented()
    {
        var client = InTheClient();
        var wrong = Documented().Where(d => client.GetValueOrDefault(d.Key) != d.Value).Select(d => $"  {d.Key}: document {d.Value}, client {client.GetValueOrDefault(d.Key) ?? "none"}").ToList();
        Assert.True(wrong.Count == 0, "Operations (src/Locktera.Client/Operations.cs) differs from docs/openapi.yaml:\n" + string.Join('\n', wrong));
    }

    [Fact]
    public void The_client_has_no_operation_the_document_lacks()
    {
        var documented = Documented();
        Assert.DoesNotContain(InTheClient().Keys, id => !documented.ContainsKey(id));
    }

    [Fact]
    public void The_client_calls_every_operation_but_the_few_it_says_why_it_leaves_out()
    {
        var idOfField = typeof(Operations).GetFields(BindingFlags.Public | BindingFlags.Static).ToDictionary(f => f.Name, f => ((Operation)f.GetValue(null)!).Id, StringComparer.Ordinal);
        var called = Directory.GetFiles(ClientSources, "*.cs", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) != "Operations.cs")
            .SelectMany(f => OperationUse().Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value))
            .Where(idOfField.ContainsKey)
            .Select(name => idOfField[name])
            .ToHashSet(StringComparer.Ordinal);
        Assert.True(called.Count > 50, $"only {called.Count} operations found in {ClientSources}");
        var uncalled = idOfField.Values.Where(id => !called.Contains(id) && !NotInTheClient.ContainsKey(id)).Order(StringComparer.Ordinal).ToList();
        Assert.True(uncalled.Count == 0, "No method of src/Locktera.Client calls: " + string.Join(", ", uncalled));
        // The exceptions stay true: none of them is called after all, each is an operation.
        Assert.DoesNotContain(NotInTheClient.Keys, id => called.Contains(id) || !idOfField.ContainsValue(id));
    }

    [GeneratedRegex(@"\bOperations\.([A-Z][A-Za-z]*)\b")]
    private static partial Regex OperationUse();

    [Theory]
    [InlineData("a b/c", "a%20b%2Fc")]
    [InlineData("ann@example.com", "ann%40example.com")]
    [InlineData("../x?y#z", "..%2Fx%3Fy%23z")]
    public void Path_values_are_escaped_whole(string value, string escaped) =>
        Assert.Equal($"orgs/o/containers/c/decode/{escaped}", Operations.DecodeFile.Url("o", "c", value));
}
