using System.Diagnostics;
using Headless.Tracking;
using OpenTelemetry;

namespace Headless.Telemetry;

/// <summary>
/// What the HTTP instrumentations would otherwise record that can be secret or PHI: tracking tokens in /track/ paths,
/// query strings (GraphQL GET carries variables there), and outbound paths (webhook URLs often embed a secret).
/// </summary>
internal static class TelemetryRedaction
{
    /// <summary>Incoming requests: the path without a tracking token, and no query string at all.</summary>
    public static void EnrichIncoming(Activity activity, HttpRequest request)
    {
        activity.SetTag("url.query", null);
        var path = request.Path.Value;
        if (TrackingTokenRedaction.Mentions(path))
        {
            activity.SetTag("url.path", TrackingTokenRedaction.Redact(path!));
        }
    }

    /// <summary>Outgoing requests (partners, CRMs, Stripe, token introspection): the origin only.</summary>
    public static void EnrichOutgoing(Activity activity, HttpRequestMessage request)
    {
        if (request.RequestUri is { IsAbsoluteUri: true } uri)
        {
            activity.SetTag("url.full", uri.GetLeftPart(UriPartial.Authority) + "/");
        }
    }
}

/// <summary>
/// The last guard before export: drops tags that could carry request values whatever instrumentation set them
/// (documents, SQL parameters, query strings), and the free-text status description (exception messages).
/// </summary>
internal sealed class PhiGuardProcessor : BaseProcessor<Activity>
{
    private static readonly string[] DroppedTags = ["graphql.document", "url.query", "db.statement.parameters", "exception.message", "exception.stacktrace"];

    public override void OnEnd(Activity data)
    {
        List<string>? drop = null;
        foreach (var tag in data.TagObjects)
        {
            if (DroppedTags.Contains(tag.Key, StringComparer.Ordinal) || tag.Key.StartsWith("db.query.parameter.", StringComparison.Ordinal))
            {
                (drop ??= []).Add(tag.Key);
            }
        }

        foreach (var key in drop ?? [])
        {
            data.SetTag(key, null);
        }

        if (data.StatusDescription is not null)
        {
            data.SetStatus(data.Status);
        }
    }
}
