using System.ComponentModel.DataAnnotations;
using Headless.Data;
using Headless.GraphQL;
using Headless.Orders;
using Headless.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Headless.Fulfillment;

/// <summary>Settings under Headless:Partners.</summary>
public sealed class PartnerOptions
{
    public const string Section = "Headless:Partners";

    /// <summary>The public base URL pharmacies call back on ("https://api.example.com"); /partners/{pharmacyId}/events is appended.</summary>
    public string CallbackBaseUrl { get; set; } = "http://localhost:5000";

    /// <summary>
    /// How long one attempt at a call to a pharmacy may take (its token, the request and the whole response), on the
    /// service's clock. Keep it below Headless:Outbox:HandlerTimeout so the attempt, not the handler, is what times out.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);
}
