using System.Reflection;
using Locktera.Client;

namespace Locktera.Functions.Tests.Unit;

/// <summary>The client library's table of operations is docs/openapi.yaml's: the same ids, methods and paths, none missing, none extra.</summary>
public sealed class ClientOperationsTests
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch"];

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

    [Theory]
    [InlineData("a b/c", "a%20b%2Fc")]
    [InlineData("ann@example.com", "ann%40example.com")]
    [InlineData("../x?y#z", "..%2Fx%3Fy%23z")]
    public void Path_values_are_escaped_whole(string value, string escaped) =>
        Assert.Equal($"orgs/o/containers/c/decode/{escaped}", Operations.DecodeFile.Url("o", "c", value));
}
