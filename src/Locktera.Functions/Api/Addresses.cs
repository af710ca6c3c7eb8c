using Locktera.Core.Addresses;
using Microsoft.Extensions.Options;

namespace Locktera.Functions.Api;

/// <summary>An org's address book: contacts keyed by email, with an audit of every change.</summary>
public sealed class Addresses(AddressBook book, IOptions<LockteraOptions> options)
{
    private const string Route = Routes.Node + "/addresses";

    [Function("ListAddresses")]
    [RequirePermission(Permission.Read)]
    public async Task<IResult> List([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Route)] HttpRequest req, CancellationToken cancellationToken)
    {
        var paging = Paging.From(req, cursor => ContactRules.NormalizeEmail(cursor, out _) is not null);
        var q = QueryValues.Text(req, "q");
        var page = await book.ListAsync(req.TargetOrg().Id, a => q is null || Matches(a, q), paging.Cursor, paging.Skip, paging.Limit, cancellationToken);
        return paging.Answer(req, page, View, a => a.Email);
    }

    [Function("PutAddress")]
    [RequirePermission(Permission.Write)]
    public async Task<IResult> Put([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = Route + "/{email}")] HttpRequest req, string email, CancellationToken cancellationToken)
    {
        var key = ContactRules.NormalizeEmail(email, out var problem) ?? throw LockteraException.Validation("email", problem!);
        var body = await JsonBody.ReadAsync(req);
        if (body.Email("email") is { } named && !named.Equals(key, StringComparison.OrdinalIgnoreCase))
        {
            body.Fail("email", "differs from the email in the path, which is the contact's key");
        }
        var phone = body.OptionalPhone("mobile_phone");
        var alias = body.OptionalPhone("phone_number");
        if (phone.IsSet && alias.IsSet)
        {
            body.Fail("phone_number", "give mobile_phone or its alias phone_number, not both");
        }
        foreach (var field in new[] { "id", "org_id", "created_at", "updated_at" })
        {
            body.Forbid(field, "is set by the service");
        }
        var details = new AddressDetails(
            body.Text("first_name", ContactRules.MaxNameLength),
            body.Text("last_name", ContactRules.MaxNameLength),
            body.Text("company", ContactRules.MaxNameLength),
            phone.IsSet ? phone.Value : alias.Value);
        body.EnsureValid();
        var (address, created) = await book.PutAsync(req.TargetOrg().Id, key, details, req.Actor(), cancellationToken);
        return created ? ApiResults.Created(View(address)) : ApiResults.Ok(View(address));
    }

    [Function("ImportAddresses")]
    [RequirePermission(Permission.Write)]
    public async Task<IResult> Import([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Route + "/import")] HttpRequest req, CancellationToken cancellationToken)
    {
        var contacts = await AddressImport.ReadAsync(CsvBody.Of(req), options.Value.MaxImportRows, cancellationToken);
        var (inserted, updated) = await book.ImportAsync(req.TargetOrg().Id, contacts, req.Actor(), cancellationToken);
        return ApiResults.Ok(new { inserted, updated, total = inserted + updated });
    }

    [Function("DeleteAddress")]
    [RequirePermission(Permission.Write)]
    public async Task<IResult> Delete([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = Route + "/{email}")] HttpRequest req, string email, CancellationToken cancellationToken)
    {
        var key = ContactRules.NormalizeEmail(email, out _) ?? throw new LockteraException(ErrorCode.AddressNotFound, "No contact with that email in this address book.");
        await book.DeleteAsync(req.TargetOrg().Id, key, req.Actor(), cancellationToken);
        return ApiResults.NoContent();
    }

    [Function("ListAddressesAudit")]
    [RequirePermission(Permission.Read)]
    public async Task<IResult> Audit([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Node + "/addresses_audit")] HttpRequest req, CancellationToken cancellationToken)
    {
        var paging = Paging.From(req, _ => false);
        var (start, end) = QueryValues.TimeWindow(req);
        var changes = await book.AuditAsync(req.TargetOrg().Id, start, end, paging.Skip, paging.Limit, cancellationToken);
        return ApiResults.Ok(changes.Select(c => new
        {
            action = c.Action,
            org_id = c.OrgId,
            address_id = c.AddressId,
            admin_id = c.AdminId,
            timestamp = c.Timestamp,
            old_data = c.OldData is null ? null : View(c.OldData),
            new_data = c.NewData is null ? null : View(c.NewData),
            ip = c.Ip,
        }).ToList());
    }

    private static bool Matches(Address address, string q) =>
        new[] { address.Email, address.FirstName, address.LastName, address.Company, $"{address.FirstName} {address.LastName}" }
            .Any(field => field?.Contains(q, StringComparison.OrdinalIgnoreCase) == true);

    /// <summary>Upstream's Address: <c>mobile_phone</c>, and <c>phone_number</c> for the older documented shape.</summary>
    private static object View(Address a) => new
    {
        id = a.Id,
        org_id = a.OrgId,
        email = a.Email,
        first_name = a.FirstName,
        last_name = a.LastName,
        company = a.Company,
        mobile_phone = a.MobilePhone,
        phone_number = a.MobilePhone,
        created_at = a.CreatedAt,
        updated_at = a.UpdatedAt,
    };
}
