using GraphQL.Types;
using Headless.GraphQL;

namespace Headless.Orders;

/// <summary>orders(filter): every field given must match.</summary>
public sealed record OrderFilter
{
    public string? ClinicId { get; init; }

    public List<OrderStatus>? Status { get; init; }

    public List<PaymentStatus>? PaymentStatus { get; init; }

    public DateTimeOffset? PlacedFrom { get; init; }

    public DateTimeOffset? PlacedBefore { get; init; }
}

/// <summary>orderLines(filter): every field given must match.</summary>
public sealed record OrderLineFilter
{
    public string? PatientName { get; init; }

    public string? PatientExternalId { get; init; }

    public string? LineNumber { get; init; }

    public string? OrderNumber { get; init; }

    public List<OrderLineStatus>? Status { get; init; }

    public List<LineOwner>? Owner { get; init; }

    public string? PharmacyId { get; init; }

    public string? ClinicId { get; init; }

    public int? StuckForMinutes { get; init; }
}

public sealed class OrderFilterType : InputObjectGraphType<OrderFilter>
{
    public OrderFilterType()
    {
        Name = "OrderFilter";
        Description = "Narrows orders. Every field given must match; leave the filter out for every order.";
        Field<IdGraphType>("clinicId").Description("Only orders placed by this clinic.");
        Field<ListGraphType<NonNullGraphType<EnumGraphType<OrderStatus>>>>("status").Description("Only orders in one of these statuses.");
        Field<ListGraphType<NonNullGraphType<EnumGraphType<PaymentStatus>>>>("paymentStatus").Description("Only orders whose payment is in one of these statuses.");
        Field<DateTimeScalar>("placedFrom").Description("Only orders placed at or after this instant.");
        Field<DateTimeScalar>("placedBefore").Description("Only orders placed before this instant.");
    }
}

public sealed class OrderLineFilterType : InputObjectGraphType<OrderLineFilter>
{
    public const int MaxPatientNameLength = 100;
    public const int MinPatientNameTerm = 3;
    public const int MaxStuckForMinutes = 525_600;

    public OrderLineFilterType()
    {
        Name = "OrderLineFilter";
        Description = "Narrows orderLines. Every field given must match; leave the filter out for every line.";
        Field<StringGraphType>("patientName").Description(
            $"Part of the patient's first or last name, any case (\"smi\" finds Smith). Several words must all match (\"jo smi\" finds John Smith). At most {MaxPatientNameLength} characters, and at least one word of {MinPatientNameTerm} or more.");
        Field<StringGraphType>("patientExternalId").Description("Exactly the patient's external ID (your own identifier for the patient).");
        Field<StringGraphType>("lineNumber").Description("Exactly this line number, e.g. HX-10042-03.");
        Field<StringGraphType>("orderNumber").Description("Only lines of this order number, e.g. HX-10042.");
        Field<ListGraphType<NonNullGraphType<EnumGraphType<OrderLineStatus>>>>("status").Description("Only lines in one of these statuses.");
        Field<ListGraphType<NonNullGraphType<EnumGraphType<LineOwner>>>>("owner").Description("Only lines whose next step is owned by one of these.");
        Field<IdGraphType>("pharmacyId").Description("Only lines routed to this pharmacy.");
        Field<IdGraphType>("clinicId").Description("Only lines of orders placed by this clinic.");
        Field<IntGraphType>("stuckForMinutes").Description(
            $"Only lines waiting on someone (owner other than NONE) that have been in their current status for more than this many minutes (0 to {MaxStuckForMinutes}).");
    }
}
