using System.Text.Json;
using Locktera.Core.Events;
using Locktera.Core.Validation;

namespace Locktera.Core.Addresses;

/// <summary>One contact of an org's address book; the email (lower-cased) is its key.</summary>
public sealed record Address(
    Guid Id,
    Guid OrgId,
    string Email,
    string? FirstName,
    string? LastName,
    string? Company,
    string? MobilePhone,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>The details a caller sets on a contact; formats are already validated.</summary>
public sealed record AddressDetails(string? FirstName, string? LastName, string? Company, string? MobilePhone);

/// <summary>One change of the address book: who, when, from where, and the contact before and after.</summary>
public sealed record AddressChange(string Action, Guid OrgId, Guid AddressId, string AdminId, DateTimeOffset Timestamp, Address? OldData, Address? NewData, string? Ip);

/// <summary>
/// An org's address book (table PK = org id): contacts at "a:{email}", and an audit row per change at
/// "x:{inverted time}:{unique}" so the audit reads newest first. A contact's write and its audit row
/// go in one entity-group transaction: a change is never recorded without happening, or the reverse.
/// </summary>
public sealed class AddressBook(StorageAccount storage, TimeProvider time)
{
    private const string ContactPrefix = "a:";
    private const string AuditPrefix = "x:";
    private static readonly JsonSerializerOptions Json = StoredJson.Options;

    /// <summary>Creates or updates the contact; returns it and whether it was created.</summary>
    public async Task<(Address Address, bool Created)> PutAsync(Guid orgId, string email, AddressDetails details, Actor actor, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        return await table.UpdateAsync<(Address, bool)>(orgId.ToString(), ContactKey(email), row =>
        {
            var old = row is null ? null : ToAddress(row);
            var now = time.GetUtcNow();
            var next = new Address(old?.Id ?? OrderedGuid.Next(), orgId, email.ToLowerInvariant(), details.FirstName, details.LastName, details.Company, details.MobilePhone, old?.CreatedAt ?? now, now);
            var change = new AddressChange(old is null ? "insert" : "update", orgId, next.Id, actor.User, now, old, next, actor.Ip);
            return (ToEntity(next), [AuditEntity(change)], (next, old is null));
        }, cancellationToken);
    }

    /// <summary>Upserts every contact (each write audited); returns how many were inserted and updated.</summary>
    public async Task<(int Inserted, int Updated)> ImportAsync(Guid orgId, IReadOnlyList<ImportedContact> contacts, Actor actor, CancellationToken cancellationToken)
    {
        var inserted = 0;
        foreach (var contact in contacts)
        {
            var (_, created) = await PutAsync(orgId, contact.Email, contact.Details, actor, cancellationToken);
            inserted += created ? 1 : 0;
        }
        return (inserted, contacts.Count - inserted);
    }

    /// <summary>Deletes the contact of <paramref name="email"/> (as given: one that is no email names no contact).</summary>
    public async Task DeleteAsync(Guid orgId, string email, Actor actor, CancellationToken cancellationToken)
    {
        var key = ContactRules.NormalizeEmail(email, out _) ?? throw NoSuchContact();
        var table = await Table(cancellationToken);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(orgId.ToString(), ContactKey(key), cancellationToken: cancellationToken);
        if (!row.HasValue)
        {
            throw NoSuchContact();
        }
        var old = ToAddress(row.Value!);
        var change = new AddressChange("delete", orgId, old.Id, actor.User, time.GetUtcNow(), old, null, actor.Ip);
        try
        {
            await table.SubmitTransactionAsync(
                [new(TableTransactionActionType.Delete, row.Value!, row.Value!.ETag), new(TableTransactionActionType.Add, AuditEntity(change))], cancellationToken);
        }
        catch (TableTransactionFailedException e) when (e.Status is 404 or 412)
        {
            throw NoSuchContact();
        }
    }

    private static LockteraException NoSuchContact() => new(ErrorCode.AddressNotFound, "No contact with that email in this address book.");

    /// <summary>
    /// Contacts in email order after <paramref name="afterEmail"/>; with a <paramref name="search"/>, those
    /// whose email, names or company contain it (case-insensitive).
    /// </summary>
    public async Task<IReadOnlyList<Address>> ListAsync(Guid orgId, string? search, string? afterEmail, int skip, int take, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        return await table.WithPrefix(orgId.ToString(), ContactPrefix, afterEmail is null ? null : ContactKey(afterEmail), cancellationToken)
            .Select(ToAddress)
            .PageAsync(a => search is null || Matches(a, search), skip, take, cancellationToken);
    }

    /// <summary>Whether a listing cursor names a contact (its email), so nothing else reaches a query.</summary>
    public static bool IsCursor(string cursor) => ContactRules.NormalizeEmail(cursor, out _) is not null;

    private static bool Matches(Address address, string search) =>
        new[] { address.Email, address.FirstName, address.LastName, address.Company, $"{address.FirstName} {address.LastName}" }
            .Any(field => field?.Contains(search, StringComparison.OrdinalIgnoreCase) == true);

    /// <summary>The audit, newest first, within [<paramref name="start"/>, <paramref name="end"/>] as row-key bounds.</summary>
    public async Task<IReadOnlyList<AddressChange>> AuditAsync(Guid orgId, DateTimeOffset? start, DateTimeOffset? end, int skip, int take, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken);
        return await table.NewestFirstWithin(orgId.ToString(), AuditPrefix, start, end, cancellationToken)
            .Select(row => new AddressChange(
                row.GetString("Action") ?? "",
                orgId,
                Guid.Parse(row.GetString("AddressId")),
                row.GetString("AdminId") ?? "",
                row.GetDateTimeOffset("At") ?? DateTimeOffset.UnixEpoch,
                Deserialize(row.GetString("OldData")),
                Deserialize(row.GetString("NewData")),
                row.GetString("Ip")))
            .PageAsync(_ => true, skip, take, cancellationToken);
    }

    private static string ContactKey(string email) => ContactPrefix + RowKeys.Segment(email.ToLowerInvariant());

    private static TableEntity AuditEntity(AddressChange change) => new(change.OrgId.ToString(), $"{AuditPrefix}{RowKeys.NewestFirst(change.Timestamp)}:{Guid.NewGuid():N}")
    {
        ["Action"] = change.Action,
        ["AddressId"] = change.AddressId.ToString(),
        ["AdminId"] = change.AdminId,
        ["At"] = change.Timestamp,
        ["OldData"] = change.OldData is null ? null : JsonSerializer.Serialize(change.OldData, Json),
        ["NewData"] = change.NewData is null ? null : JsonSerializer.Serialize(change.NewData, Json),
        ["Ip"] = change.Ip,
    };

    private static Address? Deserialize(string? json) => json is null ? null : JsonSerializer.Deserialize<Address>(json, Json);

    private static TableEntity ToEntity(Address a) => new(a.OrgId.ToString(), ContactKey(a.Email))
    {
        ["Id"] = a.Id.ToString(),
        ["Email"] = a.Email,
        ["FirstName"] = a.FirstName,
        ["LastName"] = a.LastName,
        ["Company"] = a.Company,
        ["MobilePhone"] = a.MobilePhone,
        ["CreatedAt"] = a.CreatedAt,
        ["UpdatedAt"] = a.UpdatedAt,
    };

    private static Address ToAddress(TableEntity e) => new(
        Guid.Parse(e.GetString("Id")),
        Guid.Parse(e.PartitionKey),
        e.GetString("Email") ?? "",
        e.GetString("FirstName"),
        e.GetString("LastName"),
        e.GetString("Company"),
        e.GetString("MobilePhone"),
        e.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.UnixEpoch,
        e.GetDateTimeOffset("UpdatedAt") ?? DateTimeOffset.UnixEpoch);

    private Task<TableClient> Table(CancellationToken cancellationToken) => storage.TableAsync(storage.Names.Addresses, cancellationToken);
}
