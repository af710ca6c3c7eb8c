using Locktera.Core.Access;
using Locktera.Core.Errors;
using Locktera.Core.Events;
using Locktera.Core.Orgs;

namespace Locktera.Functions.Tests.Integration;

/// <summary>No key can give itself or anyone else more than it has.</summary>
public class EscalationTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private static JsonObject Key(params string[] permissions) =>
        new() { ["name"] = "k", ["permissions"] = new JsonArray([.. permissions.Select(p => JsonValue.Create(p))]) };

    /// <summary>An organization, a group of it and a user admin of the group, each with a key of every permission its role allows.</summary>
    private async Task<(TestOrg Org, TestOrg Group, TestOrg UserAdmin)> GroupWithUserAdminAsync()
    {
        var org = await fixture.CreateRootOrgAsync();
        var group = await fixture.CreateChildAsync(org, "group", "read", "write", "admin");
        return (org, group, await fixture.CreateChildAsync(group, "user_admin", "read", "write", "admin"));
    }

    [Fact]
    public async Task A_user_cannot_create_keys_or_promote_itself()
    {
        var org = await fixture.CreateRootOrgAsync();
        var user = await fixture.CreateChildAsync(org, "user", "read", "write");

        (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{user.Id}/api_keys", user.Key, Key("read"))).AssertProblem(403, 40301);
        (await fixture.Api.SendAsync(HttpMethod.Patch, $"orgs/{user.Id}", user.Key, new JsonObject { ["role"] = "org_admin" })).AssertProblem(403, 40301);
        (await fixture.Api.SendAsync(HttpMethod.Patch, $"orgs/{org.Id}", user.Key, new JsonObject { ["org_name"] = "Mine" })).AssertProblem(403, 40302);
        (await fixture.Api.GetAsync($"orgs/{org.Id}", user.Key)).AssertProblem(403, 40302);

        // Its own details it may change.
        var own = await fixture.Api.SendAsync(HttpMethod.Patch, $"orgs/{user.Id}", user.Key, new JsonObject { ["first_name"] = "Me" });
        Assert.Equal("user", own.AssertStatus(200).Json!["role"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_user_node_cannot_be_given_an_admin_key()
    {
        var org = await fixture.CreateRootOrgAsync();
        var user = await fixture.CreateChildAsync(org, "user", "read");
        var response = await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{user.Id}/api_keys", org.Key, Key("read", "admin"));
        Assert.NotNull(response.AssertProblem(403, 40301).Json!["fields"]!["permissions"]);
    }

    [Fact]
    public async Task A_key_cannot_mint_a_key_broader_than_itself()
    {
        var org = await fixture.CreateRootOrgAsync();
        var adminOnly = await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/api_keys", org.Key, Key("read", "admin"));
        var limited = adminOnly.AssertStatus(201).Json!["secret"]!.GetValue<string>();
        (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/api_keys", limited, Key("write"))).AssertProblem(403, 40301);
        (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/api_keys", limited, Key("read"))).AssertStatus(201);
    }

    [Fact]
    public async Task A_user_admin_manages_only_users_of_its_group()
    {
        var (org, group, userAdmin) = await GroupWithUserAdminAsync();
        var groupUser = await fixture.CreateChildAsync(group, "user", "read");

        // It adds users to its group and keys to them...
        var added = await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{group.Id}/children", userAdmin.Key,
            new JsonObject { ["role"] = "user", ["email"] = "new@acme.example.com" });
        added.AssertStatus(201);
        (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{groupUser.Id}/api_keys", userAdmin.Key, Key("read"))).AssertStatus(201);

        // ...but cannot make admins, promote itself, touch the group node, or reach outside the group.
        (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{group.Id}/children", userAdmin.Key,
            new JsonObject { ["role"] = "org_admin", ["email"] = "x@acme.example.com" })).AssertProblem(403, 40303);
        (await fixture.Api.SendAsync(HttpMethod.Patch, $"orgs/{groupUser.Id}", userAdmin.Key,
            new JsonObject { ["role"] = "user_admin" })).AssertProblem(403, 40303);
        (await fixture.Api.SendAsync(HttpMethod.Patch, $"orgs/{userAdmin.Id}", userAdmin.Key,
            new JsonObject { ["role"] = "org_admin" })).AssertProblem(403, 40303);
        (await fixture.Api.SendAsync(HttpMethod.Patch, $"orgs/{group.Id}", userAdmin.Key,
            new JsonObject { ["org_name"] = "Mine" })).AssertProblem(403, 40302);
        (await fixture.Api.SendAsync(HttpMethod.Delete, $"orgs/{group.Id}", userAdmin.Key)).AssertProblem(403, 40302);
        (await fixture.Api.GetAsync($"orgs/{org.Id}/children", userAdmin.Key)).AssertProblem(403, 40302);
    }

    [Fact]
    public async Task A_group_cannot_appoint_org_admins_but_the_org_can_change_roles()
    {
        var org = await fixture.CreateRootOrgAsync();
        var group = await fixture.CreateChildAsync(org, "group", "read", "write", "admin");
        var user = await fixture.CreateChildAsync(group, "user", "read");

        (await fixture.Api.SendAsync(HttpMethod.Patch, $"orgs/{user.Id}", group.Key, new JsonObject { ["role"] = "org_admin" })).AssertProblem(403, 40303);
        var promoted = await fixture.Api.SendAsync(HttpMethod.Patch, $"orgs/{user.Id}", group.Key, new JsonObject { ["role"] = "user_admin" });
        Assert.Equal("user_admin", promoted.AssertStatus(200).Json!["role"]!.GetValue<string>());
        var orgAdmin = await fixture.Api.SendAsync(HttpMethod.Patch, $"orgs/{user.Id}", org.Key, new JsonObject { ["role"] = "org_admin" });
        Assert.Equal("org_admin", orgAdmin.AssertStatus(200).Json!["role"]!.GetValue<string>());
        (await fixture.Api.SendAsync(HttpMethod.Patch, $"orgs/{group.Id}", org.Key, new JsonObject { ["role"] = "user" })).AssertProblem(409, 40901);
    }

    [Fact]
    public async Task An_org_admin_inside_a_group_reaches_that_group_and_nothing_beyond()
    {
        var (org, group, userAdmin) = await GroupWithUserAdminAsync();
        var sibling = await fixture.CreateChildAsync(org, "group", "read", "write", "admin");
        // The organization places an org admin in the group, as the tree allows, and gives it no key.
        var placed = await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{group.Id}/children", org.Key,
            new JsonObject { ["role"] = "org_admin", ["email"] = "boss@acme.example.com" });
        var orgAdmin = placed.AssertStatus(201).Json!["id"]!.GetValue<string>();

        // A user admin may not mint it a key: that key would administer the group node itself.
        (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{orgAdmin}/api_keys", userAdmin.Key, Key("read"))).AssertProblem(403, 40302);
        (await fixture.Api.GetAsync($"orgs/{orgAdmin}/api_keys", userAdmin.Key)).AssertProblem(403, 40302);

        // The group's admin may, and gets a key that administers the group, as its own key does...
        var minted = await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{orgAdmin}/api_keys", group.Key, Key("read", "write", "admin"));
        var key = minted.AssertStatus(201).Json!["secret"]!.GetValue<string>();
        (await fixture.Api.GetAsync($"orgs/{group.Id}/api_keys", key)).AssertStatus(200);
        (await fixture.Api.GetAsync($"orgs/{userAdmin.Id}/api_keys", key)).AssertStatus(200);

        // ...and reaches nothing above or beside it: not the root, its keys or its children, not the sibling group's address book.
        (await fixture.Api.GetAsync($"orgs/{org.Id}", key)).AssertProblem(403, 40302);
        (await fixture.Api.GetAsync($"orgs/{org.Id}/api_keys", key)).AssertProblem(403, 40302);
        (await fixture.Api.GetAsync($"orgs/{org.Id}/children", key)).AssertProblem(403, 40302);
        (await fixture.Api.GetAsync($"orgs/{sibling.Id}/addresses", key)).AssertProblem(403, 40302);
        (await fixture.Api.GetAsync($"orgs/{sibling.Id}/api_keys", key)).AssertProblem(403, 40302);
        (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/children", key,
            new JsonObject { ["role"] = "org_admin", ["email"] = "mine@acme.example.com" })).AssertProblem(403, 40302);
        // Nor may it appoint org admins, or delete the group it administers (that is for an admin above it).
        (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{group.Id}/children", key,
            new JsonObject { ["role"] = "org_admin", ["email"] = "peer@acme.example.com" })).AssertProblem(403, 40303);
        (await fixture.Api.SendAsync(HttpMethod.Delete, $"orgs/{group.Id}", key)).AssertProblem(403, 40302);
    }

    [Fact]
    public async Task Promoting_a_node_does_not_widen_the_keys_minted_for_it_before()
    {
        var (org, group, userAdmin) = await GroupWithUserAdminAsync();
        var peer = await fixture.CreateChildAsync(group, "user_admin", "read");
        // A user admin may mint admin keys for a fellow user admin: they reach as far as its own.
        var minted = await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{peer.Id}/api_keys", userAdmin.Key, Key("read", "write", "admin"));
        var held = minted.AssertStatus(201).Json!["secret"]!.GetValue<string>();
        (await fixture.Api.GetAsync($"orgs/{group.Id}/api_keys", held)).AssertProblem(403, 40302);

        // The organization promotes the peer to org admin of the group: the key the user admin holds stays a user admin's key.
        (await fixture.Api.SendAsync(HttpMethod.Patch, $"orgs/{peer.Id}", org.Key, new JsonObject { ["role"] = "org_admin" })).AssertStatus(200);
        (await fixture.Api.GetAsync($"orgs/{group.Id}/api_keys", held)).AssertProblem(403, 40302);
        (await fixture.Api.SendAsync(HttpMethod.Patch, $"orgs/{group.Id}", held, new JsonObject { ["org_name"] = "Mine" })).AssertProblem(403, 40302);
        (await fixture.Api.GetAsync($"orgs/{userAdmin.Id}/api_keys", held)).AssertStatus(200);

        // A key minted for the promoted node now has the new reach.
        var fresh = await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{peer.Id}/api_keys", org.Key, Key("read", "write", "admin"));
        (await fixture.Api.GetAsync($"orgs/{group.Id}/api_keys", fresh.AssertStatus(201).Json!["secret"]!.GetValue<string>())).AssertStatus(200);
    }

    [Fact]
    public async Task A_role_change_is_decided_on_the_node_as_it_is_written_not_as_it_was_read()
    {
        var org = await fixture.CreateRootOrgAsync();
        var group = await fixture.CreateChildAsync(org, "group", "read", "write", "admin");
        var user = await fixture.CreateChildAsync(group, "user", "read");
        var orgs = fixture.Services.GetRequiredService<OrgService>();
        var groupKey = await fixture.Services.GetRequiredService<Authenticator>().AuthenticateAsync($"Bearer {group.Key}", null, CancellationToken.None);

        // The group's request has read the node as a user when the organization promotes it to org admin...
        var asRead = await orgs.GetAsync(Guid.Parse(user.Id), CancellationToken.None);
        (await fixture.Api.SendAsync(HttpMethod.Patch, $"orgs/{user.Id}", org.Key, new JsonObject { ["role"] = "org_admin" })).AssertStatus(200);

        // ...so making it a user admin would change an org admin's role, which a group may not.
        var patch = new OrgPatch(default, default, default, default, default, new Optional<OrgRole>(true, OrgRole.UserAdmin));
        var refused = await Assert.ThrowsAsync<LockteraException>(() => orgs.UpdateAsync(groupKey, new Actor("group", null), asRead, patch, CancellationToken.None));
        Assert.Equal(ErrorCode.RoleNotAssignable, refused.Code);
        Assert.Equal("org_admin", (await fixture.Api.GetAsync($"orgs/{user.Id}", org.Key)).AssertStatus(200).Json!["role"]!.GetValue<string>());
    }

    [Fact]
    public async Task Demoting_a_node_cuts_what_its_existing_keys_may_do()
    {
        var org = await fixture.CreateRootOrgAsync();
        var admin = await fixture.CreateChildAsync(org, "org_admin", "read", "write", "admin");
        (await fixture.Api.GetAsync($"orgs/{org.Id}/api_keys", admin.Key)).AssertStatus(200);

        (await fixture.Api.SendAsync(HttpMethod.Patch, $"orgs/{admin.Id}", org.Key, new JsonObject { ["role"] = "user" })).AssertStatus(200);
        (await fixture.Api.GetAsync($"orgs/{org.Id}/api_keys", admin.Key)).AssertProblem(403, 40301);
        var me = (await fixture.Api.GetAsync("me", admin.Key)).AssertStatus(200).Json!;
        Assert.Equal(["read", "write"], me["permissions"]!.AsArray().Select(p => p!.GetValue<string>()));
    }
}
