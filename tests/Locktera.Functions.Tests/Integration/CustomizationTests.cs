namespace Locktera.Functions.Tests.Integration;

public class CustomizationTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Children_inherit_the_nearest_ancestors_branding_and_see_where_it_comes_from()
    {
        var org = await fixture.CreateRootOrgAsync();
        var group = await fixture.CreateChildAsync(org, "group", "read", "write", "admin");
        var user = await fixture.CreateChildAsync(group, "user", "read");
        (await fixture.Api.SendAsync(HttpMethod.Put, $"orgs/{org.Id}/customizations", org.Key,
            new JsonObject { ["theme"] = "dark", ["branding_color"] = "#1a2b3c", ["logo_url"] = "https://cdn.example.com/root.png" })).AssertStatus(200);
        var groupView = (await fixture.Api.SendAsync(HttpMethod.Put, $"orgs/{group.Id}/customizations", group.Key,
            new JsonObject { ["logo_url"] = "https://cdn.example.com/sales.png", ["display_name"] = "Sales" })).AssertStatus(200).Json!;
        Assert.Equal("https://cdn.example.com/sales.png", groupView["logo_url"]!.GetValue<string>());
        Assert.Equal("#1A2B3C", groupView["branding_color"]!.GetValue<string>());

        var seen = (await fixture.Api.GetAsync($"users/{user.Id}/customizations", user.Key)).AssertStatus(200).Json!;
        Assert.Equal("dark", seen["theme"]!.GetValue<string>());
        Assert.Equal("https://cdn.example.com/sales.png", seen["logo_url"]!.GetValue<string>());
        Assert.Equal("Sales", seen["display_name"]!.GetValue<string>());
        Assert.Null(seen["footer_text"]);
        Assert.Equal(org.Id, seen["inherited_from"]!["theme"]!.GetValue<string>());
        Assert.Equal(group.Id, seen["inherited_from"]!["logo_url"]!.GetValue<string>());
        Assert.Null(seen["own"]!["theme"]);

        var rootView = (await fixture.Api.GetAsync($"orgs/{org.Id}/customizations", org.Key)).Json!;
        Assert.Equal("https://cdn.example.com/root.png", rootView["logo_url"]!.GetValue<string>());
        Assert.Empty(rootView["inherited_from"]!.AsObject());
    }

    [Fact]
    public async Task Bad_branding_is_400_per_field_and_only_admins_may_set_it()
    {
        var org = await fixture.CreateRootOrgAsync();
        var fields = (await fixture.Api.SendAsync(HttpMethod.Put, $"orgs/{org.Id}/customizations", org.Key, new JsonObject
        {
            ["theme"] = "neon", ["logo_url"] = "http://insecure.example.com/a.png", ["branding_color"] = "red", ["support_email"] = "nope", ["font"] = "Comic",
        })).AssertProblem(400, 40001).Json!["fields"]!;
        foreach (var field in new[] { "theme", "logo_url", "branding_color", "support_email", "font" })
        {
            Assert.NotNull(fields[field]);
        }
        var user = await fixture.CreateChildAsync(org, "user", "read", "write");
        (await fixture.Api.SendAsync(HttpMethod.Put, $"orgs/{user.Id}/customizations", user.Key, new JsonObject { ["theme"] = "light" })).AssertProblem(403, 40301);
        var other = await fixture.CreateRootOrgAsync("Other");
        (await fixture.Api.GetAsync($"orgs/{org.Id}/customizations", other.Key)).AssertProblem(404, 40402);
        Assert.Null((await fixture.Api.GetAsync($"orgs/{org.Id}/customizations", org.Key)).Json!["theme"]);
    }

    [Fact]
    public async Task Fields_without_a_value_are_left_out()
    {
        var org = await fixture.CreateRootOrgAsync();
        var set = (await fixture.Api.SendAsync(HttpMethod.Put, $"orgs/{org.Id}/customizations", org.Key, new JsonObject { ["theme"] = "light" })).AssertStatus(200).Json!.AsObject();
        Assert.Equal("light", set["theme"]!.GetValue<string>());
        Assert.Equal("light", set["own"]!["theme"]!.GetValue<string>());
        foreach (var field in new[] { "logo_url", "branding_color", "display_name", "support_email", "footer_text" })
        {
            Assert.False(set.ContainsKey(field), field);
            Assert.False(set["own"]!.AsObject().ContainsKey(field), field);
        }
    }
}
