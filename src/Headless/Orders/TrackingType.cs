using GraphQL;
using GraphQL.Types;
using Headless.Catalog;
using Headless.Clinics;
using Headless.Data;
using Headless.GraphQL;
using Headless.Orders.Lifecycle;
using Headless.Patients;
using Headless.Prescribers;
using Headless.Shared;
using Microsoft.EntityFrameworkCore;

namespace Headless.Orders;

public sealed class TrackingType : ObjectGraphType<OrderLine>
{
    public TrackingType()
    {
        Name = "Tracking";
        Description = "Where a shipped line is: the carrier, the tracking number and a link to follow it, as the pharmacy reported them.";
        Field<StringGraphType>("carrier").Description("The carrier, e.g. UPS or USPS. Null when the pharmacy did not say.").Resolve(c => c.Source.TrackingCarrier);
        Field<StringGraphType>("number").Description("The carrier's tracking number. Null when the pharmacy did not give one.").Resolve(c => c.Source.TrackingNumber);
        Field<StringGraphType>("url").Description("A web page that follows the shipment (always http or https). Null when the pharmacy did not give one.").Resolve(c => c.Source.TrackingUrl);
    }
}
