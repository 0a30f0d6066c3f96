using System.Diagnostics;

namespace Headless.Shared;

/// <summary>
/// The service's own trace source and meter name (README "Telemetry"). It lives in the shared frame so any capability can
/// start a span without depending on the Telemetry folder, which only decides whether and where they are exported.
/// Nothing recorded here may carry PHI, credentials or request values: ids, kinds, counts and outcomes only.
/// </summary>
public static class HeadlessTelemetry
{
    /// <summary>Name of the activity source and of the meter.</summary>
    public const string Name = "Headless";

    /// <summary>Spans of the service's own work (outbox handling); HTTP, GraphQL and EF Core spans come from their libraries.</summary>
    public static readonly ActivitySource ActivitySource = new(Name);
}
