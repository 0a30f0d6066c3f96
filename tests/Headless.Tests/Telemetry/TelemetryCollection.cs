namespace Headless.Tests.Telemetry;

/// <summary>
/// Telemetry tests run alone: the in-memory pipeline listens by source and meter name, process-wide, so another test's
/// app running meanwhile would add its spans and counts to the figures asserted here.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection
{
    public const string Name = "Telemetry";
}
