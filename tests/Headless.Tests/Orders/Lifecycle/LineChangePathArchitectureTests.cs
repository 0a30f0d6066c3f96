using Headless.Tests.Infrastructure;
using Mono.Cecil;

namespace Headless.Tests.Orders.Lifecycle;

/// <summary>
/// Nothing outside the line-change path (Headless.Orders.Lifecycle) changes an order line's status or payment status.
/// The scan reads the IL: every method that writes OrderLine.Status or OrderLine.PaymentStatus, then, transitively,
/// every method that calls one of those. Apart from the entities guarding their own state (OrderLine, Order), each
/// must sit in the lifecycle namespace.
/// </summary>
public sealed class LineChangePathArchitectureTests
{
    private const string PathNamespace = "Headless.Orders.Lifecycle";

    private static readonly string[] Entities = ["Headless.Orders.OrderLine", "Headless.Orders.Order"];

    [Fact]
    public void Only_the_line_change_path_changes_a_line_status()
    {
        var changers = LineStateChangers();
        var outside = changers
            .Where(m => !Entities.Contains(AssemblyScan.Outer(m.DeclaringType).FullName) && AssemblyScan.Outer(m.DeclaringType).Namespace != PathNamespace)
            .Select(m => m.FullName)
            .OrderBy(n => n, StringComparer.Ordinal)
            .ToList();
        Assert.True(outside.Count == 0, "Changed outside the path:\n" + string.Join("\n", outside));
    }

    [Fact]
    public void The_scan_sees_the_known_writers_and_the_path_calling_them()
    {
        // Guards the test above against passing because the scan found nothing.
        var changers = LineStateChangers();
        var names = changers.Select(m => $"{AssemblyScan.Outer(m.DeclaringType).Name}.{m.Name}").ToHashSet();
        Assert.Contains("OrderLine.MoveTo", names);
        Assert.Contains("OrderLine.Submit", names);
        Assert.Contains("OrderLine.FailPayment", names);
        Assert.Contains("OrderLine.MarkCaptured", names);
        Assert.Contains("OrderLine.ReinstateAfterRefusedCancellation", names);
        Assert.Contains("Order.MarkCaptured", names);
        Assert.Contains(changers, m => AssemblyScan.Outer(m.DeclaringType).Name == "LineChanges" && m.Name == "RecordAuthorization");
        Assert.Contains(changers, m => AssemblyScan.Outer(m.DeclaringType).Name == "LineLifecycle");
    }

    [Fact]
    public void Order_entities_do_not_change_lines_on_their_own_except_for_payment_bookkeeping_the_path_calls()
    {
        // Order may touch its lines' payment status (capture, refund), but those methods are called from the path only.
        var scan = AssemblyScan.Headless;
        var changers = LineStateChangers();
        var orderMethods = changers.Where(m => AssemblyScan.Outer(m.DeclaringType).FullName == "Headless.Orders.Order").ToList();
        foreach (var method in orderMethods)
        {
            var callers = scan.CallersOf(method).Select(c => AssemblyScan.Outer(c.DeclaringType)).Where(t => !Entities.Contains(t.FullName)).ToList();
            Assert.All(callers, t => Assert.Equal(PathNamespace, t.Namespace));
        }
    }

    private static HashSet<MethodDefinition> LineStateChangers()
    {
        var scan = AssemblyScan.Headless;
        var line = scan.Types.Single(t => t.FullName == "Headless.Orders.OrderLine");
        var fields = line.Fields.Where(f => f.Name is "<Status>k__BackingField" or "<PaymentStatus>k__BackingField").ToList();
        Assert.Equal(2, fields.Count);

        // Constructors set the initial state of a new line; that is not a change.
        var changers = fields.SelectMany(scan.WritersOf).Where(m => !(m.IsConstructor && m.DeclaringType == line)).ToHashSet();
        var setters = line.Properties.Where(p => p.Name is "Status" or "PaymentStatus").Select(p => p.SetMethod).OfType<MethodDefinition>();
        var frontier = new Queue<MethodDefinition>(changers.Concat(setters));
        while (frontier.TryDequeue(out var method))
        {
            // Calling the path is how everyone else changes a line: its callers are not changers themselves.
            if (AssemblyScan.Outer(method.DeclaringType).Namespace == PathNamespace)
            {
                continue;
            }

            foreach (var caller in scan.CallersOf(method))
            {
                if (!(caller.IsConstructor && caller.DeclaringType == line) && changers.Add(caller))
                {
                    frontier.Enqueue(caller);
                }
            }
        }

        return changers;
    }
}
