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
        var paging = Paging.From(req, AddressBook.IsCursor);
        var page = await book.ListAsync(req.TargetOrg().Id, QueryValues.Text(req, "q"), paging.Cursor, paging.Skip, paging.Limit, cancellationToken);
        return paging.Answer(req, page, a => new AddressView(a), a => a.Email);
    }

    [Function("PutAddress")]
    [RequirePermission(Permission.Write)]
    public async Task<IResult> Put([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = Route + "/{email}")] HttpRequest req, string email, CancellationToken cancellationToken)
    {
        var org = req.TargetOrg();
        var key = ContactRules.NormalizeEmail(email, out var problem) ?? throw LockteraException.Validation("email", problem!);
        var details = await ReadDetailsAsync(req, org.Id, key);
        var (address, created) = await book.PutAsync(org.Id, key, details, req.Actor(), cancellationToken);
        return created ? ApiResults.Created(new AddressView(address)) : ApiResults.Ok(new AddressView(address));
    }

    [Function("ImportAddresses")]
    [RequirePermission(Permission.Write)]
    public async Task<IResult> Import([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Route + "/import")] HttpRequest req, CancellationToken cancellationToken)
    {
        var contacts = await AddressImport.ReadAsync(CsvBody.Of(req), options.Value.MaxImportRows, cancellationToken);
        var (inserted, updated) = await book.ImportAsync(req.TargetOrg().Id, contacts, req.Actor(), cancellationToken);
        return ApiResults.Ok(new AddressImportView(inserted, updated));
    }

    [Function("DeleteAddress")]
    [RequirePermission(Permission.Write)]
    public async Task<IResult> Delete([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = Route + "/{email}")] HttpRequest req, string email, CancellationToken cancellationToken)
    {
        await book.DeleteAsync(req.TargetOrg().Id, email, req.Actor(), cancellationToken);
        return ApiResults.NoContent();
    }

    [Function("ListAddressesAudit")]
    [RequirePermission(Permission.Read)]
    public async Task<IResult> Audit([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Node + "/addresses_audit")] HttpRequest req, CancellationToken cancellationToken)
    {
        var paging = Paging.From(req, _ => false);
        var (start, end) = QueryValues.TimeWindow(req);
        var changes = await book.AuditAsync(req.TargetOrg().Id, start, end, paging.Skip, paging.Limit, cancellationToken);
        return paging.Answer(req, changes, c => new AddressChangeView(c));
    }

    /// <summary>
    /// upstream's Address: its <c>email</c> and <c>org_id</c> (which the SPEC requires) may repeat the
    /// path's; <c>phone_number</c> is the older name of <c>mobile_phone</c>.
    /// </summary>
    private static async Task<AddressDetails> ReadDetailsAsync(HttpRequest req, Guid orgId, string email)
    {
        var body = await JsonBody.ReadAsync(req);
        if (body.Email("email") is { } named && !named.Equals(email, StringComparison.OrdinalIgnoreCase))
        {
            body.Fail("email", "differs from the email in the path, which is the contact's key");
        }
        body.Checked("org_id", 36, text => Guid.TryParse(text, out var id) && id == orgId ? null : "must be the organization of the path");
        var phone = body.OptionalPhone("mobile_phone");
        var alias = body.OptionalPhone("phone_number");
        if (phone.IsSet && alias.IsSet)
        {
            body.Fail("phone_number", "give mobile_phone or its alias phone_number, not both");
        }
        foreach (var field in new[] { "id", "created_at", "updated_at" })
        {
            body.Forbid(field, "is set by the service");
        }
        var details = new AddressDetails(
            body.Text("first_name", ContactRules.MaxNameLength),
            body.Text("last_name", ContactRules.MaxNameLength),
            body.Text("company", ContactRules.MaxNameLength),
            phone.IsSet ? phone.Value : alias.Value);
        body.EnsureValid();
        return details;
    }
}
