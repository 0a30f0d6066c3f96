using System.Text;
using Headless.Partners;

namespace Headless.Tests.Partners;

/// <summary>The receiver's Standard Webhooks check, including the rotation-list case StandardWebhooks 1.1.2 gets wrong.</summary>
public sealed class StandardWebhookVerifierTests
{
    // The Standard Webhooks reference test vector.
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string MessageId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const long Timestamp = 1614265330;
    private const string Payload = """{"test": 2432232314}""";
    private const string Expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    private static readonly byte[] Key = StandardWebhookVerifier.DecodeSecret(Secret)!;
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeSeconds(Timestamp);
    private static readonly byte[] Body = Encoding.UTF8.GetBytes(Payload);

    private static string? Verify(string? header, DateTimeOffset? now = null, string id = MessageId, byte[]? body = null) =>
        StandardWebhookVerifier.Verify(Key, id, Timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture), header, body ?? Body, now ?? At);

    [Fact]
    public void Signing_matches_the_reference_vector() =>
        Assert.Equal(Expected, StandardWebhookVerifier.Sign(Key, MessageId, Timestamp, Body));

    [Theory]
    [InlineData(Expected)]
    [InlineData("v1,Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmE= " + Expected)]
    [InlineData(Expected + " v1,Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmE=")]
    [InlineData("v1a,c2lnbmF0dXJl v1,bm9wZQ== " + Expected)]
    [InlineData("garbage  v1,%%% " + Expected)]
    public void A_valid_v1_signature_anywhere_in_the_list_is_accepted(string header) =>
        Assert.Null(Verify(header));

    [Theory]
    [InlineData("v1,Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmE=")]
    [InlineData("v1a,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")]
    [InlineData("g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")]
    [InlineData("")]
    public void Anything_else_is_refused(string header) =>
        Assert.NotNull(Verify(header));

    [Fact]
    public void A_changed_body_or_id_is_refused()
    {
        Assert.Equal("no matching signature", Verify(Expected, body: Encoding.UTF8.GetBytes(Payload + " ")));
        Assert.Equal("no matching signature", Verify(Expected, id: "msg_other"));
    }

    [Fact]
    public void The_timestamp_must_be_within_five_minutes_either_way()
    {
        Assert.Null(Verify(Expected, At.AddMinutes(4)));
        Assert.Null(Verify(Expected, At.AddMinutes(-4)));
        Assert.Equal("webhook-timestamp is too old", Verify(Expected, At.AddMinutes(6)));
        Assert.Equal("webhook-timestamp is too new", Verify(Expected, At.AddMinutes(-6)));
    }

    [Fact]
    public void A_header_with_dozens_of_signatures_is_refused() =>
        Assert.NotNull(Verify(string.Join(' ', Enumerable.Repeat("v1,bm9wZQ==", 20)) + " " + Expected));

    [Fact]
    public void Secrets_decode_with_or_without_the_prefix_and_garbage_does_not()
    {
        Assert.Equal(Key, StandardWebhookVerifier.DecodeSecret(Secret["whsec_".Length..]));
        Assert.Null(StandardWebhookVerifier.DecodeSecret("whsec_not base64!"));
        Assert.Null(StandardWebhookVerifier.DecodeSecret(null));
    }
}
