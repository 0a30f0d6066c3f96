using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Headless.Payments;
using Headless.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static Headless.Tests.Payments.Stripe.StripeOrders;

namespace Headless.Tests.Payments.Stripe;

/// <summary>What the Stripe webhook endpoint writes to the log about events it ignores: event id, type and reason, nothing else.</summary>
public sealed class StripeWebhookLogTests : IAsyncLifetime
{
    private readonly CapturingLoggerProvider _logs = new();
    private FakeStripeServer _stripe = null!;
    private HeadlessApp _app = null!;

    public async Task InitializeAsync()
    {
        _stripe = await FakeStripeServer.StartAsync();
        _app = HeadlessApp.Sqlite(Settings(_stripe), services => services.AddSingleton<ILoggerProvider>(_logs));
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _stripe.DisposeAsync();
    }

    [Fact]
    public async Task An_ignored_event_is_logged_with_its_id_type_and_reason_only()
    {
        using var http = _app.CreateClient();
        var f = await CartData.CreateAsync(_app, 2);
        var order = await CheckoutAsync(_app, f, [f.Catalog.SemaEast], "logs");
        await DecideAsync(_app, http, order);
        var charge = Charge(order, order.Total, order.Total + 1);
        charge["currency"] = "eur";
        _logs.Clear();

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(http, StripeWebhookTests.Event("evt_log_mismatch", "charge.refunded", charge))).Status);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(http, StripeWebhookTests.Event("evt_log_unknown", "payment_intent.canceled", Intent(order with { PaymentIntentId = "pi_nobody" }, "canceled")))).Status);

        var lines = _logs.Lines.Where(l => l.Category.EndsWith("StripeWebhookEndpoint", StringComparison.Ordinal)).ToList();
        var mismatch = Assert.Single(lines, l => l.Message.Contains("evt_log_mismatch", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Warning, mismatch.Level);
        Assert.Equal("Stripe event evt_log_mismatch (charge.refunded) ignored: CURRENCY_MISMATCH.", mismatch.Message);
        var unknown = Assert.Single(lines, l => l.Message.Contains("evt_log_unknown", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Information, unknown.Level);
        Assert.Equal("Stripe event evt_log_unknown (payment_intent.canceled): IGNORED UNKNOWN_PAYMENT_INTENT.", unknown.Message);

        var amount = order.Total.ToString(CultureInfo.InvariantCulture);
        Assert.All(_logs.Lines, l =>
        {
            Assert.DoesNotContain(order.PaymentIntentId, l.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("Pat0", l.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("12 Oak Ave", l.Message, StringComparison.Ordinal);
        });
        Assert.All(lines, l =>
        {
            Assert.DoesNotContain(order.Number, l.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(amount, l.Message, StringComparison.Ordinal);
            Assert.NotEqual(LogLevel.Error, l.Level);
        });
        Assert.Equal(PaymentEventReason.CurrencyMismatch, (await RecordAsync(_app, "evt_log_mismatch"))?.Reason);
    }

    private sealed record LogLine(string Category, LogLevel Level, string Message);

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        private readonly ConcurrentQueue<LogLine> _lines = new();

        public IReadOnlyList<LogLine> Lines => _lines.ToArray();

        public void Clear() => _lines.Clear();

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<LogLine> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue(new LogLine(category, logLevel, formatter(state, exception)));
        }
    }
}
