using Locktera.Client;
using EncodeFile = Locktera.Client.EncodeFile;

namespace Locktera.Functions.Tests.Integration;

/// <summary>
/// The client library's sub-clients of an organization's own data against the DevHost over real
/// HTTP: the tree (update, import, root creation), tags, addresses, storage and key pairs,
/// branding, the error log, usage and the audit trails.
/// </summary>
public class ClientOrgDataTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private async Task<LockteraClient> ClientAsync() => TestClients.For(fixture, await fixture.CreateRootOrgAsync());

    [Fact]
    public async Task The_operator_creates_a_root_whose_key_updates_imports_and_audits_its_tree()
    {
        using var @operator = new LockteraClient(new LockteraCredentials(fixture.Api.Http.BaseAddress!, "-", ApiFixture.OperatorKey));
        var provisioned = await @operator.Orgs.CreateRootAsync(new NewRootOrg("Globex", Email: "admin@globex.example.com", ApiKeyName: "first"));
        Assert.Equal("Globex", provisioned.Org.OrgName);
        Assert.Equal("first", provisioned.ApiKey.Name);
        Assert.DoesNotContain(provisioned.ApiKey.Secret, provisioned.ApiKey.ToString(), StringComparison.Ordinal);

        using var client = new LockteraClient(new LockteraCredentials(fixture.Api.Http.BaseAddress!, provisioned.Org.Id.ToString(), provisioned.ApiKey.Secret));
        var updated = await client.Orgs.UpdateAsync(new OrgPatch(OrgName: "Globex Corp"));
        Assert.Equal("Globex Corp", updated.OrgName);
        Assert.Equal("admin@globex.example.com", updated.Email);
        Assert.Equal("Globex Corp", (await client.Orgs.GetAsync()).OrgName);
        Assert.Equal(400, (await Assert.ThrowsAsync<LockteraException>(() => client.Orgs.UpdateAsync(new OrgPatch(Email: "not an email")))).Status);

        var imported = await client.Orgs.ImportAsync($"id,name,email,org_id,role\nsales,Sales,,{provisioned.Org.Id},group\nann,Ann Lee,ann@globex.example.com,sales,member\n");
        Assert.Equal(2, imported.Created);
        Assert.Equal([2, 3], imported.Orgs.Select(o => o.Row));
        Assert.Equal("sales", imported.Orgs[0].CsvId);
        Assert.Equal(imported.Orgs[0].Org.Id, imported.Orgs[1].Org.ParentOrgId);
        Assert.Equal(400, (await Assert.ThrowsAsync<LockteraException>(() => client.Orgs.ImportAsync("id,name\n"))).Status);

        var changes = await client.Audit.ListChildrenChangesAsync().ToListAsync();
        Assert.Contains(changes, c => c.Action == "create" && c.OrgId == imported.Orgs[0].Org.Id && c.NewData?.OrgName == "Sales");
        Assert.Empty(await client.Audit.ListChildrenChangesAsync(end: DateTimeOffset.UtcNow.AddDays(-1)).ToListAsync());
        // A key other than the operator's may not create roots.
        Assert.Equal(403, (await Assert.ThrowsAsync<LockteraException>(() => client.Orgs.CreateRootAsync(new NewRootOrg("Initech")))).Status);
    }

    [Fact]
    public async Task Sign_ins_reach_the_access_log_and_listings_by_page_number_go_past_the_first_page()
    {
        using var client = await ClientAsync();
        await client.Orgs.GetMeAsync();
        await fixture.ServicesOf(fixture.Api).GetRequiredService<CounterBuffer>().FlushAsync(CancellationToken.None);
        var entry = Assert.Single(await client.Audit.ListAccessLogAsync(start: DateTimeOffset.UtcNow.AddDays(-1)).ToListAsync(), e => e.Action == "authenticate");
        Assert.Equal("success", entry.Status);
        Assert.True(entry.Count >= 1);

        // More error reports than the largest page: a listing by page number reads on until a short page.
        await Task.WhenAll(Enumerable.Range(0, 205).Select(i => client.ErrorLog.ReportAsync(new NewErrorReport($"Report {i}"))));
        var high = await client.ErrorLog.ReportAsync(new NewErrorReport("Viewer crashed", 50001, new Dictionary<string, string> { ["page"] = "3" }, "high", new DateTimeOffset(2026, 5, 1, 0, 0, 0, TimeSpan.Zero)));
        Assert.Equal("high", high.Severity);
        Assert.Equal(50001, high.Code);
        Assert.Equal("3", high.Fields["page"]);
        var all = await client.ErrorLog.ListAsync().ToListAsync();
        Assert.Equal(206, all.Count);
        Assert.Equal(206, all.Select(r => r.ErrorId).Distinct().Count());
        Assert.Equal(high.ErrorId, Assert.Single(await client.ErrorLog.ListAsync(new ErrorFilter(Severity: "high")).ToListAsync()).ErrorId);
        Assert.Single(await client.ErrorLog.ListAsync(new ErrorFilter(End: new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero))).ToListAsync());
        Assert.Equal(400, (await Assert.ThrowsAsync<LockteraException>(() => client.ErrorLog.ReportAsync(new NewErrorReport("x", Severity: "dire")))).Status);
    }

    [Fact]
    public async Task Tags_addresses_and_branding_are_read_back_as_written()
    {
        using var client = await ClientAsync();
        var id = (await client.Containers.EncodeAsync([EncodeFile.FromBytes("a.txt", [1])], new EncodeOptions(Tags: ["board"]))).Container.Id;
        await client.Containers.EncodeAsync([EncodeFile.FromBytes("b.txt", [2])], new EncodeOptions(Tags: ["board", "legal"]));
        // Through the API itself: ContainersClient.SetTagsAsync reads a container where the API answers the tags (see the report of issue 14).
        (await fixture.Api.SendAsync(HttpMethod.Put, $"orgs/{client.Credentials.OrgId}/containers/{id}/tags", client.Credentials.ApiKey, new JsonArray("legal", "q3"))).AssertStatus(200);
        Assert.Equal([("board", 1), ("legal", 2), ("q3", 1)], (await client.Tags.ListAsync()).OrderBy(t => t.Name, StringComparer.Ordinal).Select(t => (t.Name, t.Count)));
        var change = Assert.Single(await client.Tags.GetAuditAsync(id));
        Assert.Equal(["board"], change.OldTags);
        Assert.Equal(["legal", "q3"], change.NewTags);

        var ann = await client.Addresses.PutAsync("ann@example.com", new AddressInput("Ann", "Lee", "Example Inc"));
        Assert.Equal("Example Inc", ann.Company);
        var imported = await client.Addresses.ImportAsync("Email,First Name,Last Name,Mobile Phone,Company\nann@example.com,Ann,Lee-Ray,,Example Inc\nbob@example.com,Bob,Ray,+14155550100,Other Co\n");
        Assert.Equal((1, 1, 2), (imported.Inserted, imported.Updated, imported.Total));
        Assert.Equal(["ann@example.com", "bob@example.com"], await client.Addresses.ListAsync().Select(a => a.Email).OrderBy(e => e, StringComparer.Ordinal).ToListAsync());
        Assert.Equal("+14155550100", Assert.Single(await client.Addresses.ListAsync("other co").ToListAsync()).MobilePhone);
        await client.Addresses.DeleteAsync("bob@example.com");
        Assert.Equal("Lee-Ray", Assert.Single(await client.Addresses.ListAsync().ToListAsync()).LastName);
        Assert.Equal(["insert", "update", "insert", "delete"], (await client.Addresses.ListAuditAsync().ToListAsync()).Select(c => c.Action).Reverse());
        Assert.Equal(404, (await Assert.ThrowsAsync<LockteraException>(() => client.Addresses.DeleteAsync("nobody@example.com"))).Status);

        var branded = await client.Customizations.SetAsync(new Branding(Theme: "dark", BrandingColor: "#112233", DisplayName: "Acme"));
        Assert.Equal("dark", branded.Theme);
        Assert.Equal("#112233", branded.Own.BrandingColor);
        Assert.Equal("Acme", (await client.Customizations.GetAsync()).DisplayName);
        Assert.Equal(400, (await Assert.ThrowsAsync<LockteraException>(() => client.Customizations.SetAsync(new Branding(BrandingColor: "red")))).Status);
    }

    [Fact]
    public async Task Storage_key_pairs_usage_and_the_document_are_read_through_the_client()
    {
        using var client = await ClientAsync();
        Assert.Equal("default", (await client.Storage.GetAsync()).Type);
        var secret = "secret-" + Guid.NewGuid().ToString("N");
        var s3 = await client.Storage.SetAsync(new StorageConfigInput("s3", Bucket: ApiFixture.S3Bucket, Region: "us-east-1", Host: ApiFixture.S3Endpoint, AccessKey: "S3RVER", SecretKey: secret));
        Assert.Equal("s3", s3.Type);
        Assert.Equal(ApiFixture.S3Bucket, s3.Bucket);
        Assert.DoesNotContain(secret, s3.SecretKey ?? "", StringComparison.Ordinal);
        Assert.Equal("s3", (await client.Storage.GetAsync()).Type);
        Assert.Equal("default", (await client.Storage.SetAsync(new StorageConfigInput("default"))).Type);
        Assert.Equal(400, (await Assert.ThrowsAsync<LockteraException>(() => client.Storage.SetAsync(new StorageConfigInput("ftp")))).Status);

        var before = await client.Storage.ListPqKeysAsync();
        var rotated = await client.Storage.RotatePqKeyAsync();
        Assert.Equal("active", rotated.Status);
        var after = await client.Storage.ListPqKeysAsync();
        Assert.Equal(before.Count + 1, after.Count);
        Assert.Equal(rotated.Id, Assert.Single(after, k => k.Status == "active").Id);

        await client.Containers.EncodeAsync([EncodeFile.FromBytes("a.txt", [1, 2, 3])]);
        var month = DateTimeOffset.UtcNow.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
        var consumption = await client.Usage.GetConsumptionAsync(month, includeChildren: true);
        Assert.Equal(month, consumption.Month);
        Assert.True(consumption.IncludeChildren);
        var series = await client.Usage.GetConsumptionSeriesAsync("2026-01", "2026-03");
        Assert.Equal(["2026-01", "2026-02", "2026-03"], series.Select(c => c.Month));
        var stats = await client.Usage.GetStatsAsync();
        Assert.Equal(1, stats.Containers);
        Assert.Equal(1, stats.ApiKeys);
        Assert.Equal(400, (await Assert.ThrowsAsync<LockteraException>(() => client.Usage.GetConsumptionAsync("May"))).Status);

        var document = await client.GetOpenApiDocumentAsync();
        Assert.StartsWith("3.1", document["openapi"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.NotNull(document["paths"]!["/orgs/{org_id}/events"]);
    }
}
