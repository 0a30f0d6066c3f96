using System.Reflection;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Headless.Tests.Infrastructure;

/// <summary>
/// A test case of <see cref="ProviderFactAttribute"/> or a data row of <see cref="ProviderTheoryAttribute"/>.
/// The skip reason is worked out again wherever the case is deserialized, so a runner that discovers in one
/// process and runs in another sees the server of the process that runs.
/// </summary>
public sealed class ProviderTestCase : XunitTestCase
{
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public ProviderTestCase()
    {
    }

    public ProviderTestCase(IMessageSink diagnosticMessageSink, TestMethodDisplay defaultMethodDisplay, TestMethodDisplayOptions defaultMethodDisplayOptions,
        ITestMethod testMethod, object[]? testMethodArguments = null)
        : base(diagnosticMessageSink, defaultMethodDisplay, defaultMethodDisplayOptions, testMethod, testMethodArguments)
    {
    }

    protected override string? GetSkipReason(IAttributeInfo factAttribute) =>
        base.GetSkipReason(factAttribute) ?? ProviderSkip.For(TestMethod);
}

/// <summary>A <see cref="ProviderTheoryAttribute"/> whose data rows are enumerated only when it runs.</summary>
public sealed class ProviderTheoryTestCase : XunitTheoryTestCase
{
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public ProviderTheoryTestCase()
    {
    }

    public ProviderTheoryTestCase(IMessageSink diagnosticMessageSink, TestMethodDisplay defaultMethodDisplay, TestMethodDisplayOptions defaultMethodDisplayOptions,
        ITestMethod testMethod)
        : base(diagnosticMessageSink, defaultMethodDisplay, defaultMethodDisplayOptions, testMethod)
    {
    }

    protected override string? GetSkipReason(IAttributeInfo factAttribute) =>
        base.GetSkipReason(factAttribute) ?? ProviderSkip.For(TestMethod);
}

internal static class ProviderSkip
{
    /// <summary>Why a test of this class cannot run here, or null: only PostgreSQL classes are ever skipped.</summary>
    public static string? For(ITestMethod testMethod) =>
        NeedsPostgres(testMethod.TestClass.Class.ToRuntimeType()) ? PostgresServer.SkipReason : null;

    private static bool NeedsPostgres(Type? testClass) =>
        testClass is not null && testClass
            .GetConstructors(BindingFlags.Public | BindingFlags.Instance)
            .Any(c => c.GetParameters().Any(p => p.ParameterType == typeof(PostgresServer)));
}
