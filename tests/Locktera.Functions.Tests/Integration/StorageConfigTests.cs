using Azure.Storage.Blobs;
using Locktera.Core.Content;

namespace Locktera.Functions.Tests.Integration;

public class StorageConfigTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private static string NewSecret() => "secret-" + Guid.NewGuid().ToString("N");

    private static JsonObject FlatS3(string secret, string? bucket = null, string? host = null) => new()
    {
        ["type"] = "s3",
        ["bucket"] = bucket ?? ApiFixture.S3Bucket,
        ["region"] = "us-east-1",
        ["host"] = host ?? ApiFixture.S3Endpoint,
        ["access_key"] = "S3RVER",
        ["secret_key"] = secret,
    };

    private Task<ApiResponse> PutAsync(TestOrg org, JsonNode body) =>
        fixture.Api.SendAsync(HttpMethod.Put, $"orgs/{org.Id}/storage_config", org.Key, body);

    [Fact]
    public async Task An_org_that_configured_nothing_uses_the_platform_storage()
    {
        var org = await fixture.CreateRootOrgAsync();
        var config = (await fixture.Api.GetAsync($"users/{org.Id}/storage_config", org.Key)).AssertStatus(200).Json!;
        Assert.Equal("default", config["type"]!.GetValue<string>());
        Assert.Equal(org.Id, config["org_id"]!.GetValue<string>());
        Assert.Null(config["id"]);
        Assert.Null(config["secret_key"]);
    }

    [Fact]
    public async Task Fields_of_upstreams_StorageConfig_without_a_value_are_left_out_never_null()
    {
        var org = await fixture.CreateRootOrgAsync();
        string[] upstreamTyped = ["id", "connection_string", "bucket", "region", "host", "access_key", "secret_key"];
        var platform = (await fixture.Api.GetAsync($"orgs/{org.Id}/storage_config", org.Key)).AssertStatus(200).Json!.AsObject();
        Assert.All(upstreamTyped, field => Assert.False(platform.ContainsKey(field), $"{field} in {platform.ToJsonString()}"));

        var s3 = FlatS3(NewSecret());
        s3.Remove("region");
        var saved = (await PutAsync(org, s3)).AssertStatus(200).Json!.AsObject();
        Assert.Equal(["id", "bucket", "host", "access_key", "secret_key"], upstreamTyped.Where(saved.ContainsKey));
        Assert.All(upstreamTyped.Where(saved.ContainsKey), field => Assert.NotNull(saved[field]));

        var reset = (await PutAsync(org, new JsonObject { ["type"] = "default" })).AssertStatus(200).Json!.AsObject();
        Assert.Equal(["id"], upstreamTyped.Where(reset.ContainsKey));
    }

    [Fact]
    public async Task S3_in_either_shape_is_probed_saved_as_a_new_version_and_shown_with_its_secret_masked()
    {
        var org = await fixture.CreateRootOrgAsync();
        var secret = NewSecret();
        var flat = (await PutAsync(org, FlatS3(secret))).AssertStatus(200);
        Assert.DoesNotContain(secret, flat.Text, StringComparison.Ordinal);
        Assert.Equal("••••" + secret[^4..], flat.Json!["secret_key"]!.GetValue<string>());

        var got = (await fixture.Api.GetAsync($"orgs/{org.Id}/storage_config", org.Key)).AssertStatus(200);
        Assert.DoesNotContain(secret, got.Text, StringComparison.Ordinal);
        Assert.Equal(flat.Text, got.Text);
        Assert.Equal("s3", got.Json!["type"]!.GetValue<string>());
        Assert.Equal(ApiFixture.S3Bucket, got.Json["bucket"]!.GetValue<string>());
        Assert.Equal("S3RVER", got.Json["access_key"]!.GetValue<string>());

        var nestedSecret = NewSecret();
        var nested = (await PutAsync(org, new JsonObject
        {
            ["storage_type"] = "S3",
            ["configuration"] = new JsonObject
            {
                ["bucket_name"] = ApiFixture.S3Bucket,
                ["access_key"] = "S3RVER",
                ["secret_key"] = nestedSecret,
                ["host"] = ApiFixture.S3Endpoint,
            },
        })).AssertStatus(200);
        Assert.DoesNotContain(nestedSecret, nested.Text, StringComparison.Ordinal);
        Assert.NotEqual(flat.Json["id"]!.GetValue<string>(), nested.Json!["id"]!.GetValue<string>());
        Assert.Equal("••••" + nestedSecret[^4..], (await fixture.Api.GetAsync($"orgs/{org.Id}/storage_config", org.Key)).Json!["secret_key"]!.GetValue<string>());

        var back = (await PutAsync(org, new JsonObject { ["type"] = "default" })).AssertStatus(200);
        Assert.Equal("default", back.Json!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_azure_container_of_the_org_is_probed_and_its_connection_string_never_returned()
    {
        var org = await fixture.CreateRootOrgAsync();
        var container = new BlobServiceClient(ApiFixture.StorageConnection).GetBlobContainerClient("byos" + Guid.NewGuid().ToString("N")[..12]);
        await container.CreateAsync();
        var saved = (await PutAsync(org, new JsonObject
        {
            ["storage_type"] = "BYOS",
            ["configuration"] = new JsonObject
            {
                ["provider"] = "Azure",
                ["container_name"] = container.Name,
                ["connection_string"] = ApiFixture.StorageConnection,
            },
        })).AssertStatus(200);
        var got = (await fixture.Api.GetAsync($"orgs/{org.Id}/storage_config", org.Key)).AssertStatus(200);
        foreach (var response in new[] { saved, got })
        {
            Assert.DoesNotContain("AccountKey", response.Text, StringComparison.Ordinal);
            Assert.Equal("azure", response.Json!["type"]!.GetValue<string>());
            Assert.Equal(container.Name, response.Json["container_name"]!.GetValue<string>());
            Assert.Equal("••••" + ApiFixture.StorageConnection[^4..], response.Json["connection_string"]!.GetValue<string>());
        }
        // The probe cleaned up after itself.
        Assert.Empty(await container.GetBlobsAsync().ToListAsync());

        var missing = await PutAsync(org, new JsonObject { ["type"] = "azure", ["container_name"] = "no-such-container", ["connection_string"] = ApiFixture.StorageConnection });
        missing.AssertProblem(422, 42201);
        Assert.Contains("404 (ContainerNotFound)", missing.Json!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain("AccountKey", missing.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_configuration_that_does_not_work_is_refused_with_a_sanitized_reason_and_the_previous_one_stays()
    {
        var org = await fixture.CreateRootOrgAsync();
        var current = (await PutAsync(org, FlatS3(NewSecret()))).AssertStatus(200).Text;

        var secret = NewSecret();
        var wrongBucket = (await PutAsync(org, FlatS3(secret, bucket: "no-such-bucket"))).AssertProblem(422, 42201);
        Assert.Contains("404 (NoSuchBucket)", wrongBucket.Json!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain(secret, wrongBucket.Text, StringComparison.Ordinal);

        // Nothing listens on port 1.
        var unreachable = (await PutAsync(org, FlatS3(secret, host: "http://127.0.0.1:1"))).AssertProblem(422, 42201);
        Assert.Contains("could not be reached", unreachable.Json!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain(secret, unreachable.Text, StringComparison.Ordinal);

        // The same version, compared by id: the health timer may have noted a check on it meanwhile.
        Assert.Equal(JsonNode.Parse(current)!["id"]!.GetValue<string>(),
            (await fixture.Api.GetAsync($"orgs/{org.Id}/storage_config", org.Key)).AssertStatus(200).Json!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Every_field_problem_is_reported_in_either_shape()
    {
        var org = await fixture.CreateRootOrgAsync();
        var s3 = (await PutAsync(org, new JsonObject { ["type"] = "s3", ["container_name"] = "x", ["host"] = "ftp://h", ["region"] = "Us East" }))
            .AssertProblem(400, 40001).Json!["fields"]!;
        Assert.Equal("is required", s3["bucket"]!.GetValue<string>());
        Assert.Equal("is required", s3["access_key"]!.GetValue<string>());
        Assert.Equal("is required", s3["secret_key"]!.GetValue<string>());
        Assert.Equal("does not apply to storage type 's3'", s3["container_name"]!.GetValue<string>());
        Assert.NotNull(s3["host"]);
        Assert.NotNull(s3["region"]);

        var azure = (await PutAsync(org, new JsonObject { ["type"] = "azure", ["container_name"] = "Bad_Name", ["connection_string"] = "AccountKey=hunter2" }))
            .AssertProblem(400, 40001);
        Assert.NotNull(azure.Json!["fields"]!["container_name"]);
        Assert.NotNull(azure.Json["fields"]!["connection_string"]);
        Assert.DoesNotContain("hunter2", azure.Text, StringComparison.Ordinal);

        var nested = (await PutAsync(org, new JsonObject { ["storage_type"] = "S3", ["configuration"] = new JsonObject { ["bucket"] = "b" } }))
            .AssertProblem(400, 40001).Json!["fields"]!;
        Assert.Equal("is required", nested["configuration.bucket_name"]!.GetValue<string>());
        Assert.Equal("is not a known field", nested["configuration.bucket"]!.GetValue<string>());

        (await PutAsync(org, new JsonObject { ["type"] = "gcs" })).AssertProblem(400, 40001);
        Assert.Equal("default", (await fixture.Api.GetAsync($"orgs/{org.Id}/storage_config", org.Key)).Json!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Only_admins_of_the_org_may_see_or_change_its_storage()
    {
        var org = await fixture.CreateRootOrgAsync();
        var other = await fixture.CreateRootOrgAsync("Other");
        var reader = await fixture.CreateChildAsync(org, "user", "read", "write");
        foreach (var family in new[] { "orgs", "users" })
        {
            (await fixture.Api.GetAsync($"{family}/{org.Id}/storage_config", other.Key)).AssertProblem(404, 40402);
            (await fixture.Api.SendAsync(HttpMethod.Put, $"{family}/{org.Id}/storage_config", other.Key, new JsonObject { ["type"] = "default" }))
                .AssertProblem(404, 40402);
            (await fixture.Api.GetAsync($"{family}/{reader.Id}/storage_config", reader.Key)).AssertProblem(403, 40301);
            (await fixture.Api.SendAsync(HttpMethod.Put, $"{family}/{reader.Id}/storage_config", reader.Key, new JsonObject { ["type"] = "default" }))
                .AssertProblem(403, 40301);
        }
        (await fixture.Api.GetAsync($"orgs/{org.Id}/storage_config", ApiFixture.OperatorKey)).AssertStatus(200);
    }

    [Fact]
    public async Task Content_written_before_a_switch_stays_readable_where_it_was_written()
    {
        var org = await fixture.CreateRootOrgAsync();
        var orgId = Guid.Parse(org.Id);
        var stores = fixture.Services.GetRequiredService<IContentStores>();

        var before = await stores.ForNewContainerAsync(orgId, default);
        Assert.Equal(IContentStores.Platform, before.StorageId);
        var oldKey = await WriteAsync(before.Store, "platform text");

        var s3 = (await PutAsync(org, FlatS3(NewSecret()))).AssertStatus(200).Json!["id"]!.GetValue<string>();
        var after = await stores.ForNewContainerAsync(orgId, default);
        Assert.Equal(s3, after.StorageId);
        var newKey = await WriteAsync(after.Store, "the s3 text!!");

        (await PutAsync(org, new JsonObject { ["type"] = "default" })).AssertStatus(200);
        Assert.Equal(IContentStores.Platform, (await stores.ForNewContainerAsync(orgId, default)).StorageId);

        Assert.Equal("platform text", await ReadAsync(await stores.ForStoredAsync(orgId, before.StorageId, default), oldKey));
        Assert.Equal("the s3 text!!", await ReadAsync(await stores.ForStoredAsync(orgId, after.StorageId, default), newKey));
        await Assert.ThrowsAsync<ContentNotFoundException>(() => before.Store.OpenReadAsync(newKey, 0, 1, default));
    }

    [Fact]
    public async Task An_endpoint_accepted_when_saved_is_refused_at_connect_time_by_an_instance_whose_rule_refuses_it()
    {
        var org = await fixture.CreateRootOrgAsync();
        var platformOrg = await fixture.CreateRootOrgAsync();
        (await PutAsync(org, FlatS3(NewSecret()))).AssertStatus(200);
        var id = (await fixture.Api.EncodeAsync(org, "{}", ("a.txt", "hello"u8.ToArray(), "text/plain"))).AssertStatus(201).Json!["container"]!["uuid"]!.GetValue<string>();
        var platformId = (await fixture.Api.EncodeAsync(platformOrg, "{}", ("a.txt", "hello"u8.ToArray(), "text/plain"))).AssertStatus(201).Json!["container"]!["uuid"]!.GetValue<string>();

        // Another instance under the production rule: s3rver's loopback address is no longer allowed.
        var production = await fixture.StartInstanceAsync(overrides: new Dictionary<string, string?> { ["Locktera:AllowPrivateStorageEndpoints"] = "false" });

        (await production.GetAsync($"containers/{id}/decode/a.txt", org.Key)).AssertProblem(503, 50301);
        await fixture.ServicesOf(production).GetRequiredService<StorageConfigChecks>().RunAsync(CancellationToken.None);
        var config = (await production.GetAsync($"orgs/{org.Id}/storage_config", org.Key)).AssertStatus(200).Json!;
        Assert.False(config["healthy"]!.GetValue<bool>());
        Assert.Equal($"the endpoint is not allowed: it {StorageEndpointPolicy.NotAllowed}", config["reason"]!.GetValue<string>());

        // The platform's own account is the deployment's configuration, not a customer's endpoint.
        Assert.Equal("hello", (await production.GetAsync($"containers/{platformId}/decode/a.txt", platformOrg.Key)).AssertStatus(200).Text);
        Assert.Equal("hello", (await fixture.Api.GetAsync($"containers/{id}/decode/a.txt", org.Key)).AssertStatus(200).Text);
    }

    private static async Task<string> WriteAsync(IContentStore store, string text)
    {
        var key = $"switch/{Guid.NewGuid():N}";
        await using var upload = await store.StartUploadAsync(key, default);
        await upload.WriteAsync(Encoding.UTF8.GetBytes(text), default);
        await upload.CommitAsync(default);
        return key;
    }

    private static async Task<string> ReadAsync(IContentStore store, string key)
    {
        await using var stream = await store.OpenReadAsync(key, 0, 13, default);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }
}
