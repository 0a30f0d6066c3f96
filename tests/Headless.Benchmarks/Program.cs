using BenchmarkDotNet.Running;

namespace Headless.Benchmarks;

/// <summary>
/// Runs the benchmarks chosen on the command line, e.g. <c>--filter *Catalog* --job short</c>; or, with
/// <c>subscriptions</c> first, the subscription load run (<see cref="SubscriptionLoad"/>); with <c>search</c>, order-line
/// search at a million lines on PostgreSQL (<see cref="SearchLoad"/>).
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "subscriptions")
        {
            return await SubscriptionLoad.RunAsync(args[1..]);
        }

        if (args.Length > 0 && args[0] == "search")
        {
            return await SearchLoad.RunAsync(args[1..]);
        }

        if (args.Length > 0 && args[0] == "subscription-clients")
        {
            return await SubscriptionLoad.RunClientsAsync(args[1..]);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
