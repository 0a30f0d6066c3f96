using Headless.Carts;
using Headless.GraphQL;

namespace Headless.Quickfills;

/// <summary>
/// The GraphQL side of quickfills: decodes global IDs and shapes inputs into commands. A template's fields are read by
/// the cart's own line decoding (<see cref="CartInputDecoding.LineValues"/>), so a template is refused with the same
/// codes and messages as a cart line with those values; only the field paths differ (["input", "quantity"] where a
/// cart line's would be ["lines", "0", "quantity"]).
/// </summary>
public static class QuickfillInputDecoding
{
    public const string NoQuickfill = "No quickfill with this ID exists in your organization.";
    public const string NoQuickfillForClinic = "No quickfill with this ID exists for this clinic in your organization.";

    public static CreateQuickfill Create(QuickfillInput input)
    {
        var errors = new UserErrorList();
        var clinicId = CartInputDecoding.Id(input.ClinicId, "Clinic", CartUserErrors.NoClinic, errors, "input", "clinicId");
        var name = Name(input.Name, errors);
        var lineErrors = new UserErrorList();
        var line = CartInputDecoding.LineValues(
            new CartLineInput
            {
                OfferingId = input.OfferingId,
                ProductId = input.ProductId,
                PharmacyId = input.PharmacyId,
                Quantity = input.Quantity,
                Sig = input.Sig,
                DaysSupply = input.DaysSupply,
                PrescriberId = input.PrescriberId,
            },
            0,
            lineErrors);
        errors.AddRange(FromLine(lineErrors, "input"));
        var template = new QuickfillTemplate(line.OfferingId, line.ProductId, line.PharmacyId)
        {
            Quantity = line.Quantity,
            Sig = line.Sig,
            DaysSupply = line.DaysSupply,
            PrescriberId = line.PrescriberId,
        };
        return new CreateQuickfill(clinicId, name, template) { InputErrors = errors };
    }

    public static UpdateQuickfill Update(string globalId, QuickfillUpdateInput input)
    {
        var errors = new UserErrorList();
        var id = CartInputDecoding.Id(globalId, QuickfillType.TypeName, NoQuickfill, errors, "id");
        var name = input.Has("name") ? Name(input.Name, errors) : null;
        var lineErrors = new UserErrorList();
        QuickfillTemplate? placement = null;
        long? prescriberId;
        if (input.ChangesPlacement)
        {
            // Placement and values are read together, in the order a cart line's are.
            var line = CartInputDecoding.LineValues(
                new CartLineInput
                {
                    OfferingId = input.OfferingId,
                    ProductId = input.ProductId,
                    PharmacyId = input.PharmacyId,
                    Quantity = input.Quantity,
                    Sig = input.Sig,
                    DaysSupply = input.DaysSupply,
                    PrescriberId = input.PrescriberId,
                },
                0,
                lineErrors);
            placement = new QuickfillTemplate(line.OfferingId, line.ProductId, line.PharmacyId);
            prescriberId = line.PrescriberId;
        }
        else
        {
            CartInputDecoding.CheckValues(input.Quantity, input.DaysSupply, input.Sig, 0, lineErrors);
            prescriberId = CartInputDecoding.Prescriber(input.PrescriberId, 0, lineErrors);
        }

        errors.AddRange(FromLine(lineErrors, "input"));
        return new UpdateQuickfill(id)
        {
            Name = name,
            Placement = placement,
            Quantity = input.Has("quantity") ? new(input.Quantity) : null,
            Sig = input.Has("sig") ? new(input.Sig) : null,
            DaysSupply = input.Has("daysSupply") ? new(input.DaysSupply) : null,
            PrescriberId = input.Has("prescriberId") ? new(prescriberId) : null,
            InputErrors = errors,
        };
    }

    /// <summary>
    /// The cart errors of line 0 as errors of a template whose fields sit under <paramref name="prefix"/>:
    /// ["lines", "0", "quantity"] becomes ["input", "quantity"].
    /// </summary>
    public static IEnumerable<UserError> FromLine(IEnumerable<UserError> errors, params string[] prefix) =>
        errors.Select(e => e.Field is ["lines", _, ..] ? e with { Field = [.. prefix, .. e.Field.Skip(2)] } : e);

    private static string? Name(string? name, UserErrorList errors)
    {
        var trimmed = name?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            errors.Add(UserErrorCode.Required, "A quickfill needs a name.", "input", "name");
            return null;
        }

        if (trimmed.Length > Quickfill.MaxNameLength)
        {
            errors.Add(UserErrorCode.TooLong, $"The name must be at most {Quickfill.MaxNameLength} characters.", "input", "name");
            return null;
        }

        return trimmed;
    }
}
