namespace Locktera.Functions.Api;

/// <summary>The calling key and its node; any valid key may ask (the "is my key valid" check).</summary>
public sealed class Me
{
    [Function("GetMe")]
    [RequirePermission(Permission.None)]
    public static IResult Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "me")] HttpRequest req) =>
        ApiResults.Ok(new MeView(req.Caller().RequireKey()));
}
