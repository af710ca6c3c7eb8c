using Locktera.Core.Content;

namespace Locktera.Functions.Api;

/// <summary>
/// Where an organization's containers are stored: the platform's storage, its own Azure Blob
/// container or an S3 bucket. Accepts upstream's flat shape (<c>type</c>, …) and its nested one
/// (<c>storage_type</c>, <c>configuration</c>); answers in the flat shape with secrets masked.
/// </summary>
public sealed class StorageConfigs(StorageConfigService configs)
{
    private const string Route = Routes.Node + "/storage_config";

    [Function("GetStorageConfig")]
    [RequirePermission(Permission.Admin, AllowOperator = true, ManagesTarget = true)]
    public async Task<IResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Route)] HttpRequest req, CancellationToken cancellationToken)
    {
        var org = req.TargetOrg();
        return ApiResults.Ok(new StorageConfigView(org.Id, await configs.CurrentAsync(org.Id, cancellationToken)));
    }

    [Function("PutStorageConfig")]
    [RequirePermission(Permission.Admin, AllowOperator = true, ManagesTarget = true)]
    public async Task<IResult> Put([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = Route)] HttpRequest req, CancellationToken cancellationToken)
    {
        var org = req.TargetOrg();
        var body = await JsonBody.ReadAsync(req);
        body.Forbid("id", "is assigned by the server");
        body.Forbid("created_at", "is assigned by the server");
        // A configuration read with GET may be sent back as it is; its org id must be this one.
        body.Checked("org_id", 36, id => id == org.Id.ToString() ? null : "must be the organization of the path");
        var (settings, endpointField) = body.Has("storage_type") || body.Has("configuration") ? ReadNested(body) : ReadFlat(body);
        body.EnsureValid();
        var saved = await configs.SetAsync(org.Id, settings, endpointField, cancellationToken);
        return ApiResults.Ok(new StorageConfigView(org.Id, saved));
    }

    /// <summary>The SPEC's shape: <c>{type: default|azure|s3, connection_string, container_name, bucket, region, host, access_key, secret_key}</c>.</summary>
    private static (StorageSettings, string) ReadFlat(JsonBody body)
    {
        var type = body.OptionalEnum("type", StorageTypes.Parse, StorageTypes.AllNames, required: true);
        var settings = Read(body, type.IsSet ? type.Value : null, "bucket");
        return (settings, settings.Type == StorageType.Azure ? "connection_string" : "host");
    }

    /// <summary>
    /// The older shape: <c>{storage_type: BYOS|S3|default, configuration: {provider: Azure|S3, container_name,
    /// connection_string} or {bucket_name, access_key, secret_key, region, host}}</c>. BYOS means the
    /// customer's own account, Azure unless the provider says S3.
    /// </summary>
    private static (StorageSettings, string) ReadNested(JsonBody body)
    {
        var declared = body.OptionalEnum("storage_type", NestedType, ["BYOS", "S3", "default"], required: true);
        var configuration = body.Nested("configuration", required: declared.IsSet && declared.Value != StorageType.Default);
        var provider = configuration?.OptionalEnum("provider", Provider, ["Azure", "S3"]) ?? default;
        if (provider.IsSet && declared.IsSet && declared.Value != StorageType.Azure && provider.Value != declared.Value)
        {
            configuration!.Fail("provider", $"does not apply to storage_type '{declared.Value.ToName()}'");
        }
        var type = provider.IsSet ? provider.Value : declared.IsSet ? declared.Value : (StorageType?)null;
        var settings = configuration is null ? StorageSettings.Default : Read(configuration, type, "bucket_name");
        return (settings, "configuration." + (settings.Type == StorageType.Azure ? "connection_string" : "host"));
    }

    private static StorageType? NestedType(string name) =>
        name.Equals("BYOS", StringComparison.OrdinalIgnoreCase) ? StorageType.Azure : name.Equals("S3", StringComparison.OrdinalIgnoreCase) ? StorageType.S3
        : name.Equals("default", StringComparison.OrdinalIgnoreCase) ? StorageType.Default : null;

    private static StorageType? Provider(string name) => StorageTypes.Parse(name) is { } type && type != StorageType.Default ? type : null;

    /// <summary>The provider fields, each required for its own type and refused for the others.</summary>
    private static StorageSettings Read(JsonBody body, StorageType? type, string bucketField)
    {
        static string? Any(string value) => null;
        // A field of another type is only reported as not applying: its format does not matter.
        string? Field(string name, StorageType owner, int maxLength, Func<string, string?> check, bool required = true)
        {
            var applies = type is null || type == owner;
            var value = body.Checked(name, maxLength, applies ? check : Any, required && type == owner);
            if (value is not null && !applies)
            {
                body.Fail(name, $"does not apply to storage type '{type!.Value.ToName()}'");
            }
            return value;
        }

        var containerName = Field("container_name", StorageType.Azure, 63, StorageRules.ContainerNameError);
        var connectionString = Field("connection_string", StorageType.Azure, StorageRules.MaxConnectionStringLength, StorageRules.ConnectionStringError);
        var bucket = Field(bucketField, StorageType.S3, 63, StorageRules.BucketError);
        var region = Field("region", StorageType.S3, 64, StorageRules.RegionError, required: false);
        var host = Field("host", StorageType.S3, StorageRules.MaxHostLength, StorageRules.HostError, required: false);
        var accessKey = Field("access_key", StorageType.S3, StorageRules.MaxKeyLength, Any);
        var secretKey = Field("secret_key", StorageType.S3, StorageRules.MaxKeyLength, Any);
        return type switch
        {
            StorageType.Azure => new StorageSettings(StorageType.Azure, ContainerName: containerName, Secret: connectionString),
            StorageType.S3 => new StorageSettings(StorageType.S3, Bucket: bucket, Region: region, Host: host is null ? null : new Uri(host),
                AccessKey: accessKey, Secret: secretKey),
            _ => StorageSettings.Default,
        };
    }
}
