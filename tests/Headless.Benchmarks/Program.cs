using BenchmarkDotNet.Running;

namespace Headless.Benchmarks;

/// <summary>Runs the benchmarks chosen on the command line, e.g. <c>--filter *Catalog* --job short</c>.</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
