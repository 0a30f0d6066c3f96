using BenchmarkDotNet.Attributes;
using Headless.Shared;

namespace Headless.Benchmarks;

/// <summary>The NPI and DEA check-digit validators that every clinic, prescriber and cart validation runs.</summary>
[MemoryDiagnoser]
public class NpiBenchmarks
{
    [Benchmark(Baseline = true)]
    public bool NpiValid() => Npi.IsValid("1234567893");

    [Benchmark]
    public bool NpiInvalidCheckDigit() => Npi.IsValid("1234567890");

    [Benchmark]
    public bool DeaValid() => DeaNumber.IsValid("AL1234563");
}
