using System.Text.Json;
using System.Text.Json.Nodes;

namespace Locktera.Cli.Commands;

/// <summary>The organization tree: <c>orgs tree</c>.</summary>
internal static class OrgCommands
{
    public static Command Create(CliApp app)
    {
        var tree = new Command("tree", "The organization tree beneath the CLI's organization");
        app.Handle(tree, async (cli, ct) =>
        {
            var node = await cli.WaitAsync("Reading the organization tree", async () => await NodeAsync(cli.Client, await cli.Client.Orgs.GetAsync(cancellationToken: ct), ct));
            if (cli.Json)
            {
                cli.WriteJson(node.Json());
                return;
            }
            var root = new Tree(node.Label());
            Add(root, node);
            cli.Out.Write(root);
        });
        return new Command("orgs", "The organization tree") { tree };
    }

    private static async Task<Node> NodeAsync(LockteraClient client, Org org, CancellationToken ct)
    {
        var children = new List<Node>();
        await foreach (var child in client.Orgs.ListChildrenAsync(org.Id, ct))
        {
            children.Add(await NodeAsync(client, child, ct));
        }
        return new Node(org, children);
    }

    private static void Add(IHasTreeNodes parent, Node node)
    {
        foreach (var child in node.Children)
        {
            Add(parent.AddNode(child.Label()), child);
        }
    }

    private sealed record Node(Org Org, IReadOnlyList<Node> Children)
    {
        public Text Label() => new($"{Render.Name(Org)} ({Org.Role}) {Org.Id}");

        /// <summary>The org as the API shows it, with its <c>children</c>.</summary>
        public JsonObject Json()
        {
            var json = JsonSerializer.SerializeToNode(Org, LockteraJson.Options)!.AsObject();
            json["children"] = new JsonArray([.. Children.Select(c => c.Json())]);
            return json;
        }
    }
}
