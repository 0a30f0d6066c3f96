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

public sealed class StatusReasonType : ObjectGraphType<OrderLine>
{
    public StatusReasonType()
    {
        Name = "StatusReason";
        Description = "Why a line is in its status.";
        Field<NonNullGraphType<StringGraphType>>("code").Description("Machine-readable reason, e.g. SIG_CLARIFICATION, LICENSE, OUT_OF_STOCK, CANCELLED_BY_CLINIC.").Resolve(c => c.Source.StatusReasonCode);
        Field<NonNullGraphType<StringGraphType>>("message").Description("What happened, in words.").Resolve(c => c.Source.StatusReasonMessage);
        Field<NonNullGraphType<BooleanGraphType>>("fixable").Description("True when the clinic can correct the line and resubmit it.").Resolve(c => c.Source.StatusReasonFixable ?? false);
    }
}
