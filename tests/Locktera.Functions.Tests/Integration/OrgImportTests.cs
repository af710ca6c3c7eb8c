namespace Locktera.Functions.Tests.Integration;

/// <summary>Bulk provisioning from CSV (id,name,email,org_id,role): all rows checked first, all created or none.</summary>
public class OrgImportTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private static Task<ApiResponse> Import(ApiClient api, string? key, string csv, string type = "text/csv") =>
        api.SendRawAsync(HttpMethod.Post, "orgs/import_orgs", key, csv, type);

    private async Task<JsonArray> ChildrenAsync(TestOrg org, string id) =>
        (await fixture.Api.GetAsync($"orgs/{id}/children", org.Key)).AssertStatus(200).Json!.AsArray();

    private static string Str(JsonNode? node, string name) => node![name]!.GetValue<string>();

    [Fact]
    public async Task Groups_and_their_users_are_created_from_one_file()
    {
        var org = await fixture.CreateRootOrgAsync();
        var csv = "\uFEFFid,name,email,org_id,role\r\n" +
            $"sales,\"Sales, EMEA\",,{org.Id},group\r\n" +
            "ann,Ann Lee,ann@acme.example.com,sales,member\r\n" +
            ",\"Bob \"\"B\"\" Ray\",bob@acme.example.com,sales,admin\r\n" +
            $",Cy,CY@acme.example.com,{org.Id},org_admin\r\n";
        var result = (await Import(fixture.Api, org.Key, csv)).AssertStatus(201).Json!;
        Assert.Equal(4, result["created"]!.GetValue<int>());
        var created = result["orgs"]!.AsArray();
        Assert.Equal([2, 3, 4, 5], created.Select(c => c!["row"]!.GetValue<int>()));
        Assert.Equal("sales", Str(created[0], "csv_id"));
        var groupId = Str(created[0]!["org"], "id");

        var group = (await fixture.Api.GetAsync($"orgs/{groupId}", org.Key)).AssertStatus(200).Json!;
        Assert.Equal("Sales, EMEA", Str(group, "org_name"));
        var members = await ChildrenAsync(org, groupId);
        Assert.Equal(["user", "user_admin"], members.Select(m => Str(m, "role")));
        Assert.Equal("Ann", Str(members[0], "first_name"));
        Assert.Equal("Lee", Str(members[0], "last_name"));
        Assert.Equal("\"B\" Ray", Str(members[1], "last_name"));
        Assert.Equal(["group", "org_admin"], (await ChildrenAsync(org, org.Id)).Select(m => Str(m, "role")));
        Assert.Equal(4, (await fixture.Api.GetAsync($"orgs/{org.Id}/children_audit", org.Key)).Json!.AsArray().Count(c => Str(c, "action") == "create"));
    }

    [Fact]
    public async Task One_bad_row_and_nothing_is_created_with_every_reason_reported()
    {
        var org = await fixture.CreateRootOrgAsync();
        var group = await fixture.CreateChildAsync(org, "group", "read", "write", "admin");
        var taken = (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/children", org.Key, new JsonObject { ["role"] = "user", ["email"] = "taken@acme.example.com" })).AssertStatus(201);
        var other = await fixture.CreateRootOrgAsync("Other");
        var csv = "id,name,email,org_id,role\n" +
            $"ok,Fine,fine@acme.example.com,{group.Id},user\n" +                 // row 2: fine on its own
            $",Ghost,ghost@acme.example.com,{Guid.NewGuid()},user\n" +          // 3: no such parent
            $",Spy,spy@acme.example.com,{other.Id},user\n" +                    // 4: another tenant
            $",Dup,fine@acme.example.com,{group.Id},user\n" +                   // 5: email on an earlier row
            $",Taken,TAKEN@acme.example.com,{group.Id},user\n" +                // 6: email used in the tree
            $",Boss,boss@acme.example.com,{group.Id},org_admin\n" +             // 7: role a group may not grant
            $",Bad,not-an-email,{group.Id},user\n" +                            // 8: malformed email
            ",Later,later@acme.example.com,after,user\n" +                      // 9: parent defined on a later row
            $"after,Team,,{group.Id},group\n" +                                 // 10: a group beneath a group
            $",Odd,odd@acme.example.com,{group.Id},wizard\n" +                  // 11: unknown role
            $",NoMail,,{group.Id},user\n";                                      // 12: a user needs an email
        var fields = (await Import(fixture.Api, group.Key, csv)).AssertProblem(400, 40001).Json!["fields"]!.AsObject();
        Assert.Equal(["row 3", "row 4", "row 5", "row 6", "row 7", "row 8", "row 9", "row 10", "row 11", "row 12"], fields.Select(f => f.Key));
        Assert.Contains("earlier row", Str(fields, "row 5"), StringComparison.Ordinal);
        Assert.Contains("already used", Str(fields, "row 6"), StringComparison.Ordinal);
        Assert.Contains("role", Str(fields, "row 11"), StringComparison.Ordinal);
        Assert.Empty(await ChildrenAsync(org, group.Id));
        Assert.Equal(taken.Json!["id"]!.GetValue<string>(), Str((await ChildrenAsync(org, org.Id)).Last(), "id"));
    }

    [Fact]
    public async Task Imports_need_an_admin_key_and_well_formed_csv()
    {
        var org = await fixture.CreateRootOrgAsync();
        var reader = await fixture.CreateChildAsync(org, "user", "read", "write");
        var row = $"id,name,email,org_id,role\n,Ann,ann@acme.example.com,{org.Id},user\n";
        (await Import(fixture.Api, null, row)).AssertProblem(401, 40101);
        (await Import(fixture.Api, reader.Key, row)).AssertProblem(403, 40301);
        (await Import(fixture.Api, org.Key, row, "application/json")).AssertProblem(400, 40001);
        (await Import(fixture.Api, org.Key, "")).AssertProblem(400, 40001);
        (await Import(fixture.Api, org.Key, "id,name,email,org_id\n")).AssertProblem(400, 40001);
        (await Import(fixture.Api, org.Key, $"id,name,email,org_id,role\n\"x,Ann,ann@acme.example.com,{org.Id},user\n")).AssertProblem(400, 40001);
        var limited = await fixture.StartInstanceAsync(overrides: new Dictionary<string, string?> { ["Locktera:MaxImportRows"] = "3" });
        var many = "id,name,email,org_id,role\n" + string.Concat(Enumerable.Range(0, 4).Select(i => $",U{i},u{i}@acme.example.com,{org.Id},user\n"));
        (await Import(limited, org.Key, many)).AssertProblem(400, 40001);
        Assert.Single(await ChildrenAsync(org, org.Id));

        // The operator provisions into any organization.
        (await Import(fixture.Api, ApiFixture.OperatorKey, row)).AssertStatus(201);
        Assert.Equal(2, (await ChildrenAsync(org, org.Id)).Count);
    }

    [Fact]
    public async Task Emails_are_unique_within_a_tree_whichever_way_nodes_are_made()
    {
        var org = await fixture.CreateRootOrgAsync();
        var create = new JsonObject { ["role"] = "user", ["email"] = "ann@acme.example.com" };
        var ann = (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/children", org.Key, create)).AssertStatus(201).Json!;
        (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/children", org.Key, new JsonObject { ["role"] = "user", ["email"] = "ANN@acme.example.com" })).AssertProblem(409, 40904);
        var bob = (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/children", org.Key, new JsonObject { ["role"] = "user", ["email"] = "bob@acme.example.com" })).AssertStatus(201).Json!;
        (await fixture.Api.SendAsync(HttpMethod.Patch, $"users/{Str(bob, "id")}", org.Key, new JsonObject { ["email"] = "ann@acme.example.com" })).AssertProblem(409, 40904);

        // Changing or deleting frees the old email; another tree may use any email.
        (await fixture.Api.SendAsync(HttpMethod.Patch, $"users/{Str(ann, "id")}", org.Key, new JsonObject { ["email"] = "ann.lee@acme.example.com" })).AssertStatus(200);
        (await fixture.Api.SendAsync(HttpMethod.Patch, $"users/{Str(bob, "id")}", org.Key, new JsonObject { ["email"] = "ann@acme.example.com" })).AssertStatus(200);
        (await fixture.Api.SendAsync(HttpMethod.Delete, $"users/{Str(bob, "id")}", org.Key)).AssertStatus(204);
        (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/children", org.Key, create)).AssertStatus(201);
        var other = await fixture.CreateRootOrgAsync("Other");
        (await fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{other.Id}/children", other.Key, create)).AssertStatus(201);

        // Two parallel creates with one email: exactly one wins.
        var racing = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ =>
            fixture.Api.SendAsync(HttpMethod.Post, $"orgs/{org.Id}/children", org.Key, new JsonObject { ["role"] = "user", ["email"] = "race@acme.example.com" })));
        Assert.Equal(1, racing.Count(r => r.Status == 201));
        Assert.All(racing.Where(r => r.Status != 201), r => r.AssertProblem(409, 40904));
    }
}
