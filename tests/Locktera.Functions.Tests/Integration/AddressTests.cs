namespace Locktera.Functions.Tests.Integration;

public class AddressTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private Task<ApiResponse> Put(TestOrg org, string email, JsonObject body) =>
        fixture.Api.SendAsync(HttpMethod.Put, $"orgs/{org.Id}/addresses/{email}", org.Key, body);

    [Fact]
    public async Task Contacts_are_created_updated_and_deleted_by_email()
    {
        var org = await fixture.CreateRootOrgAsync();
        var created = (await Put(org, "Ann@Example.com", new JsonObject { ["first_name"] = "Ann", ["company"] = "Acme", ["phone_number"] = "+1 (555) 010-2000" })).AssertStatus(201).Json!;
        Assert.Equal("ann@example.com", created["email"]!.GetValue<string>());
        Assert.Equal("+15550102000", created["mobile_phone"]!.GetValue<string>());
        Assert.Equal(org.Id, created["org_id"]!.GetValue<string>());

        var updated = (await Put(org, "ann@example.com", new JsonObject { ["first_name"] = "Annie", ["last_name"] = "Lee", ["mobile_phone"] = "030 1234567" })).AssertStatus(200).Json!;
        Assert.Equal(created["id"]!.GetValue<string>(), updated["id"]!.GetValue<string>());
        Assert.Equal(created["created_at"]!.GetValue<string>(), updated["created_at"]!.GetValue<string>());
        Assert.Equal("Annie", updated["first_name"]!.GetValue<string>());
        Assert.Null(updated["company"]);

        (await fixture.Api.SendAsync(HttpMethod.Delete, $"users/{org.Id}/addresses/ANN@example.com", org.Key)).AssertStatus(204);
        (await fixture.Api.SendAsync(HttpMethod.Delete, $"orgs/{org.Id}/addresses/ann@example.com", org.Key)).AssertProblem(404, 40406);
        Assert.Empty((await fixture.Api.GetAsync($"orgs/{org.Id}/addresses", org.Key)).Json!.AsArray());
    }

    [Fact]
    public async Task Bad_contacts_are_400_and_change_nothing()
    {
        var org = await fixture.CreateRootOrgAsync();
        (await Put(org, "not-an-email", new JsonObject())).AssertProblem(400, 40001);
        var fields = (await Put(org, "ann@example.com", new JsonObject
        {
            ["email"] = "bob@example.com", ["mobile_phone"] = "call me", ["id"] = "x", ["first_name"] = 5, ["nickname"] = "A",
        })).AssertProblem(400, 40001).Json!["fields"]!;
        foreach (var field in new[] { "email", "mobile_phone", "id", "first_name", "nickname" })
        {
            Assert.NotNull(fields[field]);
        }
        (await Put(org, "ann@example.com", new JsonObject { ["mobile_phone"] = "+15550102000", ["phone_number"] = "+15550102000" })).AssertProblem(400, 40001);
        Assert.Empty((await fixture.Api.GetAsync($"orgs/{org.Id}/addresses", org.Key)).Json!.AsArray());
    }

    [Fact]
    public async Task Contacts_are_listed_by_email_filtered_and_paged()
    {
        var org = await fixture.CreateRootOrgAsync();
        foreach (var (email, company) in new[] { ("carol@b.example.com", "Beta"), ("ann@a.example.com", "Alpha"), ("bob@a.example.com", "Alpha Labs") })
        {
            (await Put(org, email, new JsonObject { ["company"] = company })).AssertStatus(201);
        }
        var all = (await fixture.Api.GetAsync($"orgs/{org.Id}/addresses", org.Key)).AssertStatus(200).Json!.AsArray();
        Assert.Equal(["ann@a.example.com", "bob@a.example.com", "carol@b.example.com"], all.Select(a => a!["email"]!.GetValue<string>()));
        Assert.Equal(2, (await fixture.Api.GetAsync($"orgs/{org.Id}/addresses?q=alpha", org.Key)).Json!.AsArray().Count);
        var first = (await fixture.Api.GetAsync($"orgs/{org.Id}/addresses?limit=2", org.Key)).AssertStatus(200);
        var rest = (await fixture.Api.GetAsync($"orgs/{org.Id}/addresses?limit=2&cursor={first.Header("X-Next-Cursor")}", org.Key)).Json!.AsArray();
        Assert.Equal("carol@b.example.com", Assert.Single(rest)!["email"]!.GetValue<string>());
    }

    [Fact]
    public async Task Every_change_is_audited_newest_first_with_who_and_before_and_after()
    {
        var org = await fixture.CreateRootOrgAsync();
        Assert.True(Locktera.Core.Keys.ApiKeyToken.TryParse(org.Key, out var key));
        (await Put(org, "ann@example.com", new JsonObject { ["first_name"] = "Ann" })).AssertStatus(201);
        var between = fixture.Clock.GetUtcNow();
        fixture.Clock.Advance(TimeSpan.FromMilliseconds(20));
        (await Put(org, "ann@example.com", new JsonObject { ["first_name"] = "Annie" })).AssertStatus(200);
        (await fixture.Api.SendAsync(HttpMethod.Delete, $"orgs/{org.Id}/addresses/ann@example.com", org.Key)).AssertStatus(204);

        var audit = (await fixture.Api.GetAsync($"orgs/{org.Id}/addresses_audit", org.Key)).AssertStatus(200).Json!.AsArray();
        Assert.Equal(["delete", "update", "insert"], audit.Select(a => a!["action"]!.GetValue<string>()));
        Assert.All(audit, a => Assert.Equal(key.KeyId.ToString(), a!["admin_id"]!.GetValue<string>()));
        Assert.Equal("Ann", audit[1]!["old_data"]!["first_name"]!.GetValue<string>());
        Assert.Equal("Annie", audit[1]!["new_data"]!["first_name"]!.GetValue<string>());
        Assert.Null(audit[0]!["new_data"]);
        Assert.Null(audit[2]!["old_data"]);
        Assert.Equal("127.0.0.1", audit[0]!["ip"]!.GetValue<string>());

        var since = (await fixture.Api.GetAsync($"orgs/{org.Id}/addresses_audit?start={Uri.EscapeDataString(between.ToString("O"))}", org.Key)).Json!.AsArray();
        Assert.Equal(["delete", "update"], since.Select(a => a!["action"]!.GetValue<string>()));
        var until = (await fixture.Api.GetAsync($"orgs/{org.Id}/addresses_audit?end={Uri.EscapeDataString(between.ToString("O"))}", org.Key)).Json!.AsArray();
        Assert.Equal(["insert"], until.Select(a => a!["action"]!.GetValue<string>()));
        (await fixture.Api.GetAsync($"orgs/{org.Id}/addresses_audit?start=yesterday", org.Key)).AssertProblem(400, 40004);
    }

    [Fact]
    public async Task Concurrent_writes_to_one_contact_are_each_audited()
    {
        var org = await fixture.CreateRootOrgAsync();
        var writes = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Put(org, "ann@example.com", new JsonObject { ["first_name"] = $"Ann {i}" })));
        Assert.Equal(1, writes.Count(w => w.Status == 201));
        Assert.Equal(5, writes.Count(w => w.Status == 200));
        Assert.Equal(6, (await fixture.Api.GetAsync($"orgs/{org.Id}/addresses_audit", org.Key)).Json!.AsArray().Count);
    }

    private static Task<ApiResponse> Import(ApiClient api, TestOrg org, string csv, string type = "text/csv") =>
        api.SendRawAsync(HttpMethod.Post, $"orgs/{org.Id}/addresses/import", org.Key, csv, type);

    [Fact]
    public async Task A_csv_import_upserts_every_row_or_nothing()
    {
        var org = await fixture.CreateRootOrgAsync();
        (await Put(org, "bob@example.com", new JsonObject { ["first_name"] = "Old" })).AssertStatus(201);
        const string csv = "Email,First Name,Last Name,Mobile Phone,Company\r\n" +
            "ann@example.com,Ann,Lee,+1 555 010 2000,\"Acme, Inc.\"\r\n" +
            "BOB@example.com,Bob,\"O'Brien \"\"Bobby\"\"\",,\r\n";
        var counts = (await Import(fixture.Api, org, csv)).AssertStatus(200).Json!;
        Assert.Equal(1, counts["inserted"]!.GetValue<int>());
        Assert.Equal(1, counts["updated"]!.GetValue<int>());
        var book = (await fixture.Api.GetAsync($"orgs/{org.Id}/addresses", org.Key)).Json!.AsArray();
        Assert.Equal("Acme, Inc.", book[0]!["company"]!.GetValue<string>());
        Assert.Equal("O'Brien \"Bobby\"", book[1]!["last_name"]!.GetValue<string>());
        Assert.Equal(3, (await fixture.Api.GetAsync($"orgs/{org.Id}/addresses_audit", org.Key)).Json!.AsArray().Count);

        var bad = "email,first_name,last_name\ncarol@example.com,Carol,King\nnot-an-email,X,\ncarol@example.com,Carol,Again\n";
        var fields = (await Import(fixture.Api, org, bad)).AssertProblem(400, 40001).Json!["fields"]!.AsObject();
        Assert.Equal(["row 3", "row 4"], fields.Select(f => f.Key));
        Assert.Contains("email", fields["row 3"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("last name is required", fields["row 3"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("earlier row", fields["row 4"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(2, (await fixture.Api.GetAsync($"orgs/{org.Id}/addresses", org.Key)).Json!.AsArray().Count);
    }

    [Fact]
    public async Task Malformed_oversized_and_mistyped_imports_are_400()
    {
        var org = await fixture.CreateRootOrgAsync();
        var limited = await fixture.StartInstanceAsync(overrides: new Dictionary<string, string?> { ["Locktera:MaxImportRows"] = "2" });
        (await Import(limited, org, "Email,First Name,Last Name\na@x.example.com,A,A\nb@x.example.com,B,B\nc@x.example.com,C,C\n")).AssertProblem(400, 40001);
        (await Import(fixture.Api, org, "Email,First Name,Last Name\n\"a@x.example.com,A,A\n")).AssertProblem(400, 40001);
        Assert.NotNull((await Import(fixture.Api, org, "Email,Nickname\na@x.example.com,A\n")).AssertProblem(400, 40001).Json!["fields"]!["header"]);
        Assert.NotNull((await Import(fixture.Api, org, "{}", "application/json")).AssertProblem(400, 40001).Json!["fields"]!["content-type"]);
        Assert.Contains("first line", (await Import(fixture.Api, org, "")).AssertProblem(400, 40001).Json!["fields"]!["header"]!.GetValue<string>(), StringComparison.Ordinal);
        // A huge file is refused once it passes the row limit, without reading the rest.
        var huge = "Email,First Name,Last Name\n" + string.Concat(Enumerable.Range(0, 200_000).Select(i => $"u{i}@x.example.com,U,{i}\n"));
        Assert.Contains("5000", (await Import(fixture.Api, org, huge)).AssertProblem(400, 40001).Json!["fields"]!["body"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty((await fixture.Api.GetAsync($"orgs/{org.Id}/addresses", org.Key)).Json!.AsArray());
    }

    [Fact]
    public async Task An_import_with_a_byte_order_mark_reads_its_first_header()
    {
        var org = await fixture.CreateRootOrgAsync();
        (await Import(fixture.Api, org, "\uFEFFEmail,First Name,Last Name\r\nann@example.com,Ann,Lee\r\n")).AssertStatus(200);
        Assert.Equal("ann@example.com", Assert.Single((await fixture.Api.GetAsync($"orgs/{org.Id}/addresses", org.Key)).Json!.AsArray())!["email"]!.GetValue<string>());
    }

    [Fact]
    public async Task Another_org_and_read_only_keys_cannot_change_the_book()
    {
        var org = await fixture.CreateRootOrgAsync();
        (await Put(org, "ann@example.com", new JsonObject())).AssertStatus(201);
        var other = await fixture.CreateRootOrgAsync("Other");
        (await fixture.Api.GetAsync($"orgs/{org.Id}/addresses", other.Key)).AssertProblem(404, 40402);
        (await fixture.Api.SendAsync(HttpMethod.Put, $"orgs/{org.Id}/addresses/ann@example.com", other.Key, new JsonObject())).AssertProblem(404, 40402);
        (await fixture.Api.SendAsync(HttpMethod.Delete, $"orgs/{org.Id}/addresses/ann@example.com", other.Key)).AssertProblem(404, 40402);
        (await fixture.Api.GetAsync($"orgs/{org.Id}/addresses_audit", other.Key)).AssertProblem(404, 40402);
        var reader = await fixture.CreateChildAsync(org, "org_admin", "read");
        (await fixture.Api.SendAsync(HttpMethod.Put, $"orgs/{org.Id}/addresses/eve@example.com", reader.Key, new JsonObject())).AssertProblem(403, 40301);
        Assert.Single((await fixture.Api.GetAsync($"orgs/{org.Id}/addresses", reader.Key)).AssertStatus(200).Json!.AsArray());
    }

    [Fact]
    public async Task A_contact_and_its_audit_leave_out_what_they_do_not_have()
    {
        var org = await fixture.CreateRootOrgAsync();
        var created = (await Put(org, "ann@example.com", new JsonObject { ["first_name"] = "Ann" })).AssertStatus(201).Json!.AsObject();
        Assert.Equal("Ann", created["first_name"]!.GetValue<string>());
        foreach (var field in new[] { "last_name", "company", "mobile_phone", "phone_number" })
        {
            Assert.False(created.ContainsKey(field), field);
        }
        Assert.False(Assert.Single((await fixture.Api.GetAsync($"orgs/{org.Id}/addresses", org.Key)).Json!.AsArray())!.AsObject().ContainsKey("company"));

        (await fixture.Api.SendAsync(HttpMethod.Delete, $"orgs/{org.Id}/addresses/ann@example.com", org.Key)).AssertStatus(204);
        var audit = (await fixture.Api.GetAsync($"orgs/{org.Id}/addresses_audit", org.Key)).AssertStatus(200).Json!.AsArray();
        Assert.Equal(["delete", "insert"], audit.Select(a => a!["action"]!.GetValue<string>()));
        // No record before an insert and none after a delete: left out, as upstream types old_data as an object.
        Assert.False(audit[0]!.AsObject().ContainsKey("new_data"));
        Assert.False(audit[1]!.AsObject().ContainsKey("old_data"));
        Assert.Equal("Ann", audit[0]!["old_data"]!["first_name"]!.GetValue<string>());
        Assert.False(audit[1]!["new_data"]!.AsObject().ContainsKey("company"));
    }

    [Fact]
    public async Task A_contact_may_repeat_its_paths_org_id_as_upstreams_Address_requires()
    {
        var org = await fixture.CreateRootOrgAsync();
        var created = (await Put(org, "ann@example.com", new JsonObject { ["email"] = "ann@example.com", ["org_id"] = org.Id, ["first_name"] = "Ann" })).AssertStatus(201).Json!;
        Assert.Equal(org.Id, created["org_id"]!.GetValue<string>());
        var updated = (await Put(org, "ann@example.com", new JsonObject { ["org_id"] = org.Id.ToUpperInvariant(), ["first_name"] = "Annie" })).AssertStatus(200).Json!;
        Assert.Equal("Annie", updated["first_name"]!.GetValue<string>());

        var other = await fixture.CreateRootOrgAsync("Other");
        foreach (var wrong in new[] { JsonValue.Create(other.Id), JsonValue.Create("not-an-id"), JsonValue.Create(5) })
        {
            var fields = (await Put(org, "bob@example.com", new JsonObject { ["org_id"] = wrong })).AssertProblem(400, 40001).Json!["fields"]!;
            Assert.NotNull(fields["org_id"]);
        }
        Assert.Single((await fixture.Api.GetAsync($"orgs/{org.Id}/addresses", org.Key)).Json!.AsArray());
        Assert.Empty((await fixture.Api.GetAsync($"orgs/{other.Id}/addresses", other.Key)).Json!.AsArray());
    }
}
