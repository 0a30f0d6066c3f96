using GraphQL.Types;
using Headless.Carts;
using Headless.Catalog;
using Headless.Clinics;
using Headless.GraphQL;
using Headless.Prescribers;

namespace Headless.Quickfills;

public sealed class QuickfillType : NodeGraphType<Quickfill>
{
    public const string TypeName = "Quickfill";

    public QuickfillType()
        : base(TypeName, "A clinic's saved line template: a product (at an offering, at a chosen pharmacy, or placed by the clinic's routing preference), quantity, SIG, days supply and prescriber. cartLinesAddFromQuickfill adds it for many patients at once.")
    {
        Field(x => x.Name).Description("The template's name, unique in its clinic whatever the case.");
        Field<NonNullGraphType<ClinicType>>("clinic").Description("The clinic the template belongs to.").Resolve(c => c.Source.Clinic);
        Field<OfferingType>("offering").Description("The offering the template orders, when it names one; null when it names a product.").Resolve(c => c.Source.Offering);
        Field<NonNullGraphType<ProductType>>("product").Description("The medication the template orders.").Resolve(c => c.Source.Product);
        Field<PharmacyType>("pharmacy").Description("The pharmacy the template orders from; null when the clinic's routing preference picks one for each line.").Resolve(c => c.Source.Pharmacy);
        Field<NonNullGraphType<BooleanGraphType>>("routedByPreference")
            .Description("True when no pharmacy is fixed: each line goes where the clinic's routing preference sends it for the patient's state.")
            .Resolve(c => c.Source.PharmacyId is null);
        Field(x => x.Quantity, nullable: true).Description("Units each line orders; null leaves the lines' quantity empty (validation reports it).");
        Field(x => x.Sig, nullable: true).Description("Directions for use each line takes, at most 1000 characters.");
        Field(x => x.DaysSupply, nullable: true).Description("Days the quantity lasts.");
        Field<PrescriberType>("prescriber").Description("The prescribing clinician each line takes.").Resolve(c => c.Source.Prescriber);
        Field<NonNullGraphType<DateTimeScalar>>("createdAt").Description("When the template was created.").Resolve(c => c.Source.CreatedAt);
        Field<NonNullGraphType<DateTimeScalar>>("updatedAt").Description("When the template was last changed.").Resolve(c => c.Source.UpdatedAt);
    }
}

public sealed class QuickfillInputType : InputObjectGraphType<QuickfillInput>
{
    public QuickfillInputType()
    {
        Name = "QuickfillInput";
        Description = "A new quickfill: the clinic, a name, and the line template, given as cartLinesAdd takes a line (without the patient). Checked like such a line: the same limits and codes.";
        Field<NonNullGraphType<IdGraphType>>("clinicId").Description("The clinic the template belongs to.");
        Field<NonNullGraphType<StringGraphType>>("name").Description($"A name, 1 to {Quickfill.MaxNameLength} characters, unique in the clinic whatever the case.");
        Field<IdGraphType>("offeringId").Description("A catalog offering: the product at a chosen pharmacy.");
        Field<IdGraphType>("productId").Description("A product; used when offeringId is not given.");
        Field<IdGraphType>("pharmacyId").Description("With productId: the pharmacy to order from. Leave it out to route each line by the clinic's preference.");
        Field(x => x.Quantity, nullable: true).Description("Units each line orders, 1 to the offering's maximum per line.");
        Field(x => x.Sig, nullable: true).Description($"Directions for use, at most {CartLine.MaxSigLength} characters.");
        Field(x => x.DaysSupply, nullable: true).Description("Days the quantity lasts, at least 1.");
        Field<IdGraphType>("prescriberId").Description("The prescribing clinician.");
    }
}

public sealed class QuickfillUpdateInputType : InputObjectGraphType<QuickfillUpdateInput>
{
    public QuickfillUpdateInputType()
    {
        Name = "QuickfillUpdateInput";
        Description = "Changes to a quickfill. A field left out keeps its value; a field given as null clears it. Giving any of offeringId, productId or pharmacyId replaces where the template orders from with exactly what is given (offeringId, or productId with an optional pharmacyId). The result is checked like a new quickfill.";
        Field(x => x.Name, nullable: true).Description($"A new name, 1 to {Quickfill.MaxNameLength} characters, unique in the clinic whatever the case.");
        Field<IdGraphType>("offeringId").Description("A catalog offering: the product at a chosen pharmacy.");
        Field<IdGraphType>("productId").Description("A product; used when offeringId is not given.");
        Field<IdGraphType>("pharmacyId").Description("With productId: the pharmacy to order from; without it the clinic's preference routes each line.");
        Field(x => x.Quantity, nullable: true).Description("Units each line orders, 1 to the offering's maximum per line.");
        Field(x => x.Sig, nullable: true).Description($"Directions for use, at most {CartLine.MaxSigLength} characters.");
        Field(x => x.DaysSupply, nullable: true).Description("Days the quantity lasts, at least 1.");
        Field<IdGraphType>("prescriberId").Description("The prescribing clinician.");
    }

    // Which fields were given, null ones included: a field left out keeps its value, one given as null clears it.
    public override object ParseDictionary(IDictionary<string, object?> value) =>
        (QuickfillUpdateInput)base.ParseDictionary(value) with { Given = value.Keys.ToHashSet(StringComparer.Ordinal) };
}

/// <summary>Result of quickfillCreate, quickfillUpdate and quickfillDelete.</summary>
public sealed record QuickfillPayload(Quickfill? Quickfill, IReadOnlyList<UserError> UserErrors, string? DeletedQuickfillId = null)
{
    public static QuickfillPayload Refused(params IReadOnlyList<UserError> errors) => new(null, errors);
}

public sealed class QuickfillPayloadType : ObjectGraphType<QuickfillPayload>
{
    public QuickfillPayloadType()
    {
        Name = "QuickfillPayload";
        Description = "The result of a quickfill change. When userErrors is not empty nothing changed.";
        Field<QuickfillType>("quickfill").Description("The quickfill as saved; null after a delete and when userErrors is not empty.").Resolve(c => c.Source.Quickfill);
        Field<IdGraphType>("deletedQuickfillId").Description("The ID of the quickfill quickfillDelete removed; null otherwise.").Resolve(c => c.Source.DeletedQuickfillId);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<UserErrorType>>>>("userErrors")
            .Description("Every problem with the input, e.g. [\"input\", \"quantity\"].")
            .Resolve(c => c.Source.UserErrors);
    }
}
