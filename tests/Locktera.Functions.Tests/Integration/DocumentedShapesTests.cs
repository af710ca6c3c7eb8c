namespace Locktera.Functions.Tests.Integration;

/// <summary>
/// Real responses match docs/openapi.yaml: a tour of the API over HTTP in which every answer must
/// have a documented status and content type and a body that the documented schema accepts.
/// </summary>
public class DocumentedShapesTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private readonly ApiClient _api = fixture.Api;

    private async Task<ApiResponse> Call(HttpMethod method, string template, string path, string? key, JsonNode? body = null)
    {
        var response = await _api.SendAsync(method, path, key, body);
        DocumentedApi.AssertConforms(response, method, template);
        return response;
    }

    [Fact]
    public async Task Organizations_keys_and_errors_answer_as_documented()
    {
        await Call(HttpMethod.Get, "/service_status", "service_status", null);
        await Call(HttpMethod.Get, "/openapi.json", "openapi.json", null);
        await Call(HttpMethod.Get, "/docs", "docs", null);
        await Call(HttpMethod.Get, "/docs/{asset}", "docs/swagger-ui.css", null);
        await Call(HttpMethod.Get, "/drm_context", "drm_context", ApiFixture.OperatorKey);
        var created = (await Call(HttpMethod.Post, "/orgs", "orgs", ApiFixture.OperatorKey, new JsonObject { ["org_name"] = "Acme", ["email"] = "admin@acme.example.com" })).Json!;
        var org = new TestOrg(created["org"]!["id"]!.GetValue<string>(), created["api_key"]!["secret"]!.GetValue<string>());

        await Call(HttpMethod.Get, "/me", "me", org.Key);
        await Call(HttpMethod.Get, "/org", "org", org.Key);
        await Call(HttpMethod.Get, "/orgs/{org_id}", $"orgs/{org.Id}", org.Key);
        await Call(HttpMethod.Patch, "/orgs/{org_id}", $"orgs/{org.Id}", org.Key, new JsonObject { ["first_name"] = "Ann" });
        var child = (await Call(HttpMethod.Post, "/orgs/{org_id}/children", $"orgs/{org.Id}/children", org.Key, new JsonObject { ["role"] = "group", ["org_name"] = "Sales" })).Json!;
        await Call(HttpMethod.Get, "/orgs/{org_id}/children", $"orgs/{org.Id}/children", org.Key);
        var key = (await Call(HttpMethod.Post, "/orgs/{org_id}/api_keys", $"orgs/{org.Id}/api_keys", org.Key,
            new JsonObject { ["name"] = "ci", ["permissions"] = new JsonArray("read") })).Json!["key_id"];
        await Call(HttpMethod.Get, "/orgs/{org_id}/api_keys", $"orgs/{org.Id}/api_keys", org.Key);
        await Call(HttpMethod.Get, "/orgs/{org_id}/storage_config", $"orgs/{org.Id}/storage_config", org.Key);
        await Call(HttpMethod.Put, "/orgs/{org_id}/storage_config", $"orgs/{org.Id}/storage_config", org.Key, new JsonObject { ["type"] = "default" });
        await Call(HttpMethod.Post, "/orgs/{org_id}/pq_keys", $"orgs/{org.Id}/pq_keys", org.Key);
        await Call(HttpMethod.Get, "/orgs/{org_id}/pq_keys", $"orgs/{org.Id}/pq_keys", org.Key);
        await Call(HttpMethod.Put, "/orgs/{org_id}/customizations", $"orgs/{org.Id}/customizations", org.Key, new JsonObject { ["theme"] = "dark", ["branding_color"] = "#112233" });
        await Call(HttpMethod.Get, "/orgs/{org_id}/customizations", $"orgs/{child["id"]}/customizations", org.Key);
        await Call(HttpMethod.Post, "/orgs/{org_id}/errors", $"orgs/{org.Id}/errors", org.Key, new JsonObject { ["message"] = "boom", ["code"] = 7, ["severity"] = "high" });
        await Call(HttpMethod.Get, "/orgs/{org_id}/errors", $"orgs/{org.Id}/errors", org.Key);
        await Call(HttpMethod.Put, "/orgs/{org_id}/addresses/{email}", $"orgs/{org.Id}/addresses/ann@example.com", org.Key, new JsonObject { ["first_name"] = "Ann" });
        await Call(HttpMethod.Get, "/orgs/{org_id}/addresses", $"orgs/{org.Id}/addresses", org.Key);
        await Call(HttpMethod.Get, "/orgs/{org_id}/addresses_audit", $"orgs/{org.Id}/addresses_audit", org.Key);
        var import = await _api.SendRawAsync(HttpMethod.Post, $"orgs/{org.Id}/addresses/import", org.Key, "Email,First Name,Last Name\nbob@example.com,Bob,Lee\n", "text/csv");
        DocumentedApi.AssertConforms(import, HttpMethod.Post, "/orgs/{org_id}/addresses/import");
        await Call(HttpMethod.Delete, "/orgs/{org_id}/addresses/{email}", $"orgs/{org.Id}/addresses/bob@example.com", org.Key);
        await Call(HttpMethod.Delete, "/orgs/{org_id}/api_keys/{key_id}", $"orgs/{org.Id}/api_keys/{key}", org.Key);
        await Call(HttpMethod.Delete, "/orgs/{org_id}", $"orgs/{child["id"]}", org.Key);

        // Errors: the Problem shape under each documented status.
        await Call(HttpMethod.Get, "/orgs/{org_id}", $"orgs/{Guid.NewGuid()}", org.Key);
        await Call(HttpMethod.Get, "/me", "me", null);
        await Call(HttpMethod.Post, "/orgs/{org_id}/children", $"orgs/{org.Id}/children", org.Key, new JsonObject { ["role"] = "nobody" });
        await Call(HttpMethod.Get, "/orgs/{org_id}/children", $"orgs/{org.Id}/children?limit=0", org.Key);
    }

    [Fact]
    public async Task Consents_audits_imports_and_usage_answer_as_documented()
    {
        var created = (await _api.SendAsync(HttpMethod.Post, "orgs", ApiFixture.OperatorKey, new JsonObject { ["org_name"] = "Acme", ["email"] = "admin@acme.example.com" })).Json!;
        var org = new TestOrg(created["org"]!["id"]!.GetValue<string>(), created["api_key"]!["secret"]!.GetValue<string>());
        var import = await _api.SendRawAsync(HttpMethod.Post, "orgs/import_orgs", org.Key, $"id,name,email,org_id,role\ng,Sales,,{org.Id},group\n,Ann Lee,ann@acme.example.com,g,member\n", "text/csv");
        DocumentedApi.AssertConforms(import, HttpMethod.Post, "/orgs/import_orgs");
        var bad = await _api.SendRawAsync(HttpMethod.Post, "orgs/import_orgs", org.Key, "id,name,email,org_id,role\n,X,x,nope,user\n", "text/csv");
        DocumentedApi.AssertConforms(bad, HttpMethod.Post, "/orgs/import_orgs");
        await Call(HttpMethod.Get, "/orgs/{org_id}/children_audit", $"orgs/{org.Id}/children_audit", org.Key);

        await Call(HttpMethod.Put, "/orgs/{org_id}/consents/{consent_id}", $"orgs/{org.Id}/consents/gdpr", org.Key, new JsonObject { ["status"] = "granted", ["description"] = "GDPR" });
        await Call(HttpMethod.Put, "/viewers/{email}/consents/{consent_id}", "viewers/ann@example.com/consents/terms", org.Key, new JsonObject { ["is_checked"] = true });
        await Call(HttpMethod.Put, "/orgs/{org_id}/consents/{consent_id}", $"orgs/{org.Id}/consents/gdpr", org.Key, new JsonObject());
        await Call(HttpMethod.Get, "/orgs/{org_id}/consents", $"orgs/{org.Id}/consents", org.Key);
        await Call(HttpMethod.Get, "/orgs/{org_id}/consents_history", $"orgs/{org.Id}/consents_history", org.Key);
        await Call(HttpMethod.Get, "/viewers/{email}/consents", "viewers/ann@example.com/consents", org.Key);
        await Call(HttpMethod.Get, "/viewers/{email}/consents_history", "viewers/ann@example.com/consents_history", org.Key);

        await Call(HttpMethod.Get, "/me", "me", Locktera.Core.Keys.ApiKeyToken.Create(Guid.Parse(org.Id), Guid.NewGuid()).ToString());
        await Call(HttpMethod.Get, "/orgs/{org_id}/access_log", $"orgs/{org.Id}/access_log", org.Key);
        await Call(HttpMethod.Get, "/orgs/{org_id}/consumption", $"orgs/{org.Id}/consumption", org.Key);
        await Call(HttpMethod.Get, "/orgs/{org_id}/consumption", $"orgs/{org.Id}/consumption?from=2026-01&to=2026-02", org.Key);
        await Call(HttpMethod.Get, "/orgs/{org_id}/consumption", $"orgs/{org.Id}/consumption?month=13", org.Key);
        await Call(HttpMethod.Get, "/orgs/{org_id}/stats", $"orgs/{org.Id}/stats", org.Key);
    }

    [Fact]
    public async Task Containers_drm_viewers_and_events_answer_as_documented()
    {
        var org = await fixture.CreateRootOrgAsync();
        var manifest = """{"container":{"name":"Board pack","downloadable":true,"drm":{"dynamic":true,"opens":3}},"tags":["finance"]}""";
        var encoded = await _api.EncodeAsync(org, manifest, ("notes.txt", "hello"u8.ToArray(), "text/plain"));
        DocumentedApi.AssertConforms(encoded, HttpMethod.Post, "/orgs/{org_id}/containers/encode");
        var id = encoded.Json!["container"]!["id"]!.GetValue<string>();
        var digest = encoded.Json["container"]!["digest"]!.GetValue<string>();
        var inOrg = $"orgs/{org.Id}/containers/{id}";

        await Call(HttpMethod.Get, "/orgs/{org_id}/containers", $"orgs/{org.Id}/containers", org.Key);
        await Call(HttpMethod.Get, "/orgs/{org_id}/containers/{container_id}", inOrg, org.Key);
        await Call(HttpMethod.Get, "/containers/{container_id}", $"containers/{id}", org.Key);
        await Call(HttpMethod.Get, "/orgs/{org_id}/container_by_digest", $"orgs/{org.Id}/container_by_digest?digest={digest}", org.Key);
        await Call(HttpMethod.Get, "/orgs/{org_id}/containers/{container_id}/decode", $"{inOrg}/decode", org.Key);
        await Call(HttpMethod.Get, "/orgs/{org_id}/containers/{container_id}/decode/{file_name}", $"{inOrg}/decode/notes.txt", org.Key);
        foreach (var range in new[] { "bytes=1-2", "bytes=99-" })
        {
            var ranged = await _api.SendRawAsync(HttpMethod.Get, $"containers/{id}/decode/notes.txt", org.Key, null, null, r => r.Headers.Add("Range", range));
            DocumentedApi.AssertConforms(ranged, HttpMethod.Get, "/containers/{container_id}/decode/{file_name}");
        }
        await Call(HttpMethod.Put, "/orgs/{org_id}/containers/{container_id}/tags", $"{inOrg}/tags", org.Key, new JsonArray("q3"));
        await Call(HttpMethod.Get, "/orgs/{org_id}/containers/{container_id}/tags_audit", $"{inOrg}/tags_audit", org.Key);
        await Call(HttpMethod.Get, "/orgs/{org_id}/tags", $"orgs/{org.Id}/tags", org.Key);

        await Call(HttpMethod.Patch, "/orgs/{org_id}/containers/{container_id}/drm", $"{inOrg}/drm", org.Key,
            new JsonObject { ["recipients"] = new JsonArray("*@example.com"), ["time"] = new JsonObject { ["end"] = "2999-01-01T00:00:00Z" } });
        await Call(HttpMethod.Get, "/orgs/{org_id}/containers/{container_id}/drm_rules", $"{inOrg}/drm_rules", org.Key);
        await Call(HttpMethod.Post, "/orgs/{org_id}/containers/{container_id}/drm/evaluate", $"{inOrg}/drm/evaluate", org.Key,
            new JsonObject { ["viewer"] = "bob@elsewhere.example.org" });
        await Call(HttpMethod.Put, "/orgs/{org_id}/containers/{container_id}/drm", $"{inOrg}/drm", org.Key, new JsonObject { ["opens"] = 5 });
        await Call(HttpMethod.Patch, "/containers/{container_id}/drm", $"containers/{id}/drm", org.Key, new JsonObject { ["downloadable"] = true });
        await Call(HttpMethod.Get, "/containers/{container_id}/drm", $"containers/{id}/drm", org.Key);
        await Call(HttpMethod.Delete, "/orgs/{org_id}/containers/{container_id}/drm_rules", $"{inOrg}/drm_rules", org.Key);
        await Call(HttpMethod.Patch, "/orgs/{org_id}/containers/{container_id}/drm", $"{inOrg}/drm", org.Key, new JsonObject { ["opens"] = 3 });
        await Call(HttpMethod.Get, "/orgs/{org_id}/containers/{container_id}/drm", $"{inOrg}/drm", org.Key);
        await Call(HttpMethod.Post, "/orgs/{org_id}/containers/{container_id}/drm/evaluate", $"{inOrg}/drm/evaluate", org.Key,
            new JsonObject { ["viewer"] = "ann@example.com", ["ip"] = "203.0.113.9", ["geo"] = new JsonObject { ["country"] = "DE" } });
        var token = (await Call(HttpMethod.Post, "/orgs/{org_id}/containers/{container_id}/viewer_tokens", $"{inOrg}/viewer_tokens", org.Key,
            new JsonObject { ["email"] = "ann@example.com" })).Json!["token"]!.GetValue<string>();
        await Call(HttpMethod.Get, "/drm_context", "drm_context", token);
        await Call(HttpMethod.Get, "/drm_context", "drm_context", org.Key);
        await Call(HttpMethod.Get, "/containers/{container_id}/decode", $"containers/{id}/decode", token);
        await Call(HttpMethod.Get, "/orgs/{org_id}/containers/{container_id}/attempts", $"{inOrg}/attempts", org.Key);
        await Call(HttpMethod.Delete, "/orgs/{org_id}/containers/{container_id}/lockouts/{email}", $"{inOrg}/lockouts/ann@example.com", org.Key);

        await Call(HttpMethod.Post, "/orgs/{org_id}/containers/{container_id}/events", $"{inOrg}/events", org.Key,
            new JsonObject { ["action"] = "client.page_view", ["detail"] = new JsonObject { ["page"] = "3" } });
        await Call(HttpMethod.Get, "/orgs/{org_id}/containers/{container_id}/events", $"{inOrg}/events", org.Key);
        await Call(HttpMethod.Get, "/orgs/{org_id}/events", $"orgs/{org.Id}/events?limit=1", org.Key);
        await Call(HttpMethod.Get, "/orgs/{org_id}/container_events/{kind}", $"orgs/{org.Id}/container_events/by_create", org.Key);

        await Call(HttpMethod.Put, "/orgs/{org_id}/containers/{container_id}/block", $"{inOrg}/block", org.Key);
        await Call(HttpMethod.Get, "/orgs/{org_id}/containers/{container_id}/decode", $"{inOrg}/decode?viewer=ann@example.com", org.Key);
        await Call(HttpMethod.Delete, "/orgs/{org_id}/containers/{container_id}/block", $"{inOrg}/block", org.Key);
        await Call(HttpMethod.Delete, "/orgs/{org_id}/containers/{container_id}", inOrg, org.Key);
        await Call(HttpMethod.Delete, "/containers/{container_id}", $"containers/{id}", org.Key);
    }
}
