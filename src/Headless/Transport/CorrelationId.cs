namespace Headless.Transport;

/// <summary>The id that ties an error answer to its log line: ASP.NET Core's request id, also in every log scope as RequestId.</summary>
public static class CorrelationId
{
    public static string Of(HttpContext context) => context.TraceIdentifier;
}
