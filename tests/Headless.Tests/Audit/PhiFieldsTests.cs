using GraphQL.Types;
using Headless.Audit;
using Headless.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Headless.Tests.Audit;

/// <summary>The classification of patient data (<see cref="PhiFields"/>) keeps up with the schema.</summary>
public sealed class PhiFieldsTests
{
    [Fact]
    public async Task Every_sig_and_address_outside_a_patient_is_classified_and_every_entry_exists()
    {
        await using var app = HeadlessApp.Sqlite();
        var schema = app.Services.GetRequiredService<ISchema>();
        schema.Initialize();
        var objects = schema.AllTypes.OfType<IObjectGraphType>().Where(t => !t.Name.StartsWith("__", StringComparison.Ordinal)).ToList();

        var unclassified = objects
            .Where(t => !PhiFields.WholeTypes.Contains(t.Name))
            .SelectMany(t => t.Fields.Select(f => (Type: t.Name, Field: f.Name, Returns: Unwrap(f.ResolvedType)?.Name)))
            .Where(f => f.Field.Contains("sig", StringComparison.OrdinalIgnoreCase) || f.Returns == "Address")
            .Where(f => !PhiFields.IsPhi(f.Type, f.Field) && !PhiFields.NotPatientData.Contains((f.Type, f.Field)))
            .Select(f => $"{f.Type}.{f.Field}")
            .ToList();
        Assert.Empty(unclassified);

        var fields = objects.SelectMany(t => t.Fields.Select(f => (t.Name, f.Name))).ToHashSet();
        Assert.All(PhiFields.WholeTypes, t => Assert.Contains(objects, o => o.Name == t));
        Assert.All(PhiFields.Fields.Concat(PhiFields.NotPatientData), f => Assert.Contains(f, fields));
        Assert.All(PhiFields.Searches, s => Assert.Contains(schema.Query.Fields.Find(s.Field)!.Arguments!, a =>
            a.Name == s.Argument.Split('.')[0] && (!s.Argument.Contains('.') || (Unwrap(a.ResolvedType) as IComplexGraphType)?.GetField(s.Argument.Split('.')[1]) is not null)));
    }

    private static IGraphType? Unwrap(IGraphType? type) => type is IProvideResolvedType wrapper ? Unwrap(wrapper.ResolvedType) : type;
}
