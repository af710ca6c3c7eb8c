using System.Text.Json.Serialization;
using Locktera.Core.Addresses;

namespace Locktera.Functions.Http;

/// <summary>
/// Upstream's Address: <c>mobile_phone</c>, and <c>phone_number</c> for the older documented shape.
/// Details a contact does not have are left out: upstream types each as a string.
/// </summary>
public sealed class AddressView(Address address)
{
    public Guid Id { get; } = address.Id;
    public Guid OrgId { get; } = address.OrgId;
    public string Email { get; } = address.Email;
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? FirstName { get; } = address.FirstName;
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? LastName { get; } = address.LastName;
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Company { get; } = address.Company;
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? MobilePhone { get; } = address.MobilePhone;
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? PhoneNumber { get; } = address.MobilePhone;
    public DateTimeOffset CreatedAt { get; } = address.CreatedAt;
    public DateTimeOffset UpdatedAt { get; } = address.UpdatedAt;
}

/// <summary>A change of the address book, named by the contact's id and the acting key's (<c>admin_id</c>).</summary>
public sealed class AddressChangeView(AddressChange change) : AuditView<AddressView>(
    change.Action,
    change.OrgId,
    change.Timestamp,
    change.OldData is { } old ? new AddressView(old) : null,
    change.NewData is { } next ? new AddressView(next) : null,
    change.Ip)
{
    public Guid AddressId { get; } = change.AddressId;
    public string AdminId { get; } = change.AdminId;
}

/// <summary>What a CSV import did.</summary>
public sealed class AddressImportView(int inserted, int updated)
{
    public int Inserted { get; } = inserted;
    public int Updated { get; } = updated;
    public int Total { get; } = inserted + updated;
}
