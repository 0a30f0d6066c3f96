using Headless.Tests.Infrastructure;

namespace Headless.Tests.Hosting;

/// <summary>
/// Data flows one way between capability folders: no cycles. Data, GraphQL, Transport, Hosting and Shared are the
/// frame every capability plugs into (the DbContext maps every entity, the host registers every capability), so
/// they are left out of the graph.
/// </summary>
public sealed class CapabilityDependencyTests
{
    private static readonly string[] Frame = ["Data", "GraphQL", "Transport", "Hosting", "Shared", "Demo"];

    [Fact]
    public void Capabilities_depend_on_each_other_without_cycles()
    {
        var graph = Graph();
        var cycles = new List<string>();
        foreach (var (from, tos) in graph)
        {
            foreach (var to in tos)
            {
                if (Reaches(graph, to, from, []))
                {
                    cycles.Add($"{from} -> {to}");
                }
            }
        }

        Assert.True(cycles.Count == 0, "Edges on a cycle:\n" + string.Join("\n", cycles.Order(StringComparer.Ordinal)));
    }

    [Fact]
    public void Payments_knows_nothing_of_carts_checkout_or_partner_routing()
    {
        var graph = Graph();
        Assert.DoesNotContain("Carts", graph["Payments"]);
        Assert.DoesNotContain("Checkout", graph["Payments"]);
        Assert.DoesNotContain("Fulfillment", graph["Payments"]);
        Assert.DoesNotContain("Partners", graph["Payments"]);

        // And the scan sees real edges, so the assertions above can fail.
        Assert.Contains("Orders", graph["Payments"]);
        Assert.Contains("Payments", graph["Checkout"]);
    }

    private static Dictionary<string, HashSet<string>> Graph()
    {
        var graph = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var type in AssemblyScan.Headless.Types)
        {
            var from = AssemblyScan.Capability(type);
            if (from is null || Frame.Contains(from) || type.Namespace.Contains(".Migrations", StringComparison.Ordinal))
            {
                continue;
            }

            var edges = graph.TryGetValue(from, out var e) ? e : graph[from] = [];
            foreach (var to in AssemblyScan.Dependencies(type).SelectMany(AssemblyScan.Unwrap).Select(AssemblyScan.Capability))
            {
                if (to is not null && to != from && !Frame.Contains(to))
                {
                    edges.Add(to);
                }
            }
        }

        return graph;
    }

    private static bool Reaches(Dictionary<string, HashSet<string>> graph, string from, string target, HashSet<string> seen)
    {
        if (from == target)
        {
            return true;
        }

        if (!seen.Add(from) || !graph.TryGetValue(from, out var next))
        {
            return false;
        }

        return next.Any(n => Reaches(graph, n, target, seen));
    }
}
