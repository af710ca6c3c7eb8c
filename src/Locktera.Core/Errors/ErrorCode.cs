namespace Locktera.Core.Errors;

/// <summary>
/// Stable error codes of the API. The numbers are part of the public contract (docs/errors.md):
/// never renumber or reuse one. The hundreds group them by HTTP status.
/// </summary>
public enum ErrorCode
{
    // 400
    ValidationFailed = 40001,
    MalformedJson = 40002,
    BodyTooLarge = 40003,
    InvalidPaging = 40004,

    // 400, storage configuration (40020–40029)
    StorageEndpointNotAllowed = 40020,

    // 400, webhooks (40030–40039)
    WebhookUrlNotAllowed = 40030,

    // 401
    MissingCredentials = 40101,
    MalformedCredentials = 40102,
    InvalidCredentials = 40103,
    PasswordRequired = 40104,

    // 403
    InsufficientPermission = 40301,
    OrgOutOfScope = 40302,
    RoleNotAssignable = 40303,
    OperatorOnly = 40304,
    OrgKeyRequired = 40305,
    ContainerBlocked = 40306,
    PasswordWrong = 40307,
    ViewerNotAllowed = 40308,
    ViewerLocked = 40309,
    RecipientDenied = 40310,
    TimeDenied = 40311,
    IpDenied = 40312,
    GeoDenied = 40313,
    OpensExhausted = 40314,
    DownloadNotAllowed = 40315,

    // 404
    NotFound = 40401,
    OrgNotFound = 40402,
    ApiKeyNotFound = 40403,
    ContainerNotFound = 40404,
    FileNotFound = 40405,
    AddressNotFound = 40406,
    UploadSessionNotFound = 40407,
    WebhookNotFound = 40408,
    WebhookDeliveryNotFound = 40409,

    // 405
    MethodNotAllowed = 40501,

    // 409
    InvalidHierarchy = 40901,
    StaticRules = 40903,
    EmailTaken = 40904,
    UploadSessionClosed = 40905,
    UploadIncomplete = 40906,
    PartConflict = 40907,

    // 412
    PreconditionFailed = 41201,

    // 413
    ContainerTooLarge = 41301,

    // 414
    UriTooLong = 41401,

    // 416
    RangeNotSatisfiable = 41601,

    // 422, storage configuration (42201–42209)
    StorageConfigRejected = 42201,

    // 429
    RateLimited = 42901,
    TooManyUploadSessions = 42902,
    TooManyWebhooks = 42903,

    // 431
    HeadersTooLarge = 43101,

    // 500
    Internal = 50001,

    // 502
    ContainerIntegrityFailed = 50201,

    // 503
    StorageUnavailable = 50301,
}

public static class ErrorCodes
{
    /// <summary>The HTTP status of a code is its first three digits.</summary>
    public static int HttpStatus(this ErrorCode code) => (int)code / 100;
}
