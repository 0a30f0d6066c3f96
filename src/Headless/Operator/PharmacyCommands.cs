using System.CommandLine;
using System.Text;
using Headless.Catalog;
using Headless.GraphQL;
using Headless.Partners;
using Headless.Secrets;
using Headless.Shared;
using Microsoft.EntityFrameworkCore;

namespace Headless.Operator;

/// <summary>'pharmacy add' and 'pharmacy configure': the shared partner catalog's pharmacies and how the service reaches them.</summary>
internal static class PharmacyCommands
{
    public static Command Create(OperatorSession session)
    {
        var name = new Option<string>("--name") { Description = "The pharmacy's name (1 to 200 characters, unique).", Required = true };
        var states = new Option<string>("--states") { Description = "Two-letter states it ships to, comma-separated (e.g. TX,CA).", Required = true };
        var turnaround = new Option<int>("--turnaround-days") { Description = "Business days from receipt to shipment (0 to 60).", Required = true };
        var fee = new Option<long>("--shipping-fee") { Description = "Flat shipping fee per shipment in minor units (cents), e.g. 1500 for $15.00.", Required = true };
        var add = new Command("add", "Adds a partner pharmacy to the shared catalog and prints its ID.") { name, states, turnaround, fee };
        add.SetOperatorAction(session, async (parse, s, ct) =>
        {
            var pharmacyName = parse.GetValue(name)!.Trim();
            if (pharmacyName.Length is 0 or > 200)
            {
                throw new OperatorException("--name must be 1 to 200 characters.");
            }

            var shipsTo = parse.GetValue(states)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(st => st.ToUpperInvariant()).ToList();
            var invalid = shipsTo.Where(st => !UsStates.IsValid(st)).ToList();
            if (shipsTo.Count == 0 || invalid.Count > 0)
            {
                throw new OperatorException(shipsTo.Count == 0 ? "--states needs at least one state." : $"--states has unknown state code(s): {string.Join(", ", invalid)}.");
            }

            var days = parse.GetValue(turnaround);
            var shippingFee = parse.GetValue(fee);
            if (days is < 0 or > 60)
            {
                throw new OperatorException("--turnaround-days must be 0 to 60.");
            }

            if (shippingFee < 0)
            {
                throw new OperatorException("--shipping-fee must not be negative.");
            }

            await using var db = s.Database.CreatePlatformContext();
            if (await db.Pharmacies.AnyAsync(p => p.Name == pharmacyName, ct))
            {
                throw new OperatorException($"A pharmacy named '{pharmacyName}' already exists (catalog imports name pharmacies, so names are unique).");
            }

            var pharmacy = new Pharmacy(pharmacyName, days, shippingFee, shipsTo);
            db.Pharmacies.Add(pharmacy);
            await db.SaveChangesAsync(ct);
            await s.Console.Out.WriteLineAsync(
                $"Added pharmacy '{pharmacyName}' (ships to {string.Join(",", pharmacy.ShipsTo.Select(st => st.State))}; {days} business days; shipping fee {shippingFee}).");
            await s.Console.Out.WriteLineAsync($"Pharmacy ID: {GlobalId.Encode("Pharmacy", pharmacy.Id)}");
            await s.Console.Out.WriteLineAsync("It has no integration yet: 'pharmacy configure' connects its order API.");
            return 0;
        });

        var pharmacyArg = new Argument<string>("pharmacy") { Description = "The pharmacy's ID or exact name." };
        var apiBase = new Option<string>("--api-base-url") { Description = "Base URL of the pharmacy's order API (http or https).", Required = true };
        var tokenEndpoint = new Option<string>("--token-endpoint") { Description = "Its OAuth 2.0 token endpoint (client credentials).", Required = true };
        var clientId = new Option<string>("--client-id") { Description = "The OAuth client id the pharmacy issued (1 to 200 characters).", Required = true };
        var configure = new Command(
            "configure",
            "Connects a pharmacy's order API. Reads two lines from standard input, never from arguments: the OAuth client secret, " +
            "then the 'whsec_' secret the pharmacy signs its callbacks with. Both are stored encrypted.")
        {
            pharmacyArg, apiBase, tokenEndpoint, clientId,
        };
        configure.SetOperatorAction(session, async (parse, s, ct) =>
        {
            var baseUrl = AbsoluteHttpUrl(parse.GetValue(apiBase)!, "--api-base-url");
            var token = AbsoluteHttpUrl(parse.GetValue(tokenEndpoint)!, "--token-endpoint");
            var client = parse.GetValue(clientId)!.Trim();
            if (client.Length is 0 or > 200)
            {
                throw new OperatorException("--client-id must be 1 to 200 characters.");
            }

            await using var db = s.Database.CreatePlatformContext();
            var pharmacy = await FindAsync(db, parse.GetValue(pharmacyArg)!.Trim(), ct);

            var clientSecret = await ReadSecretAsync(s.Console, "OAuth client secret", ct);
            var webhookSecret = await ReadSecretAsync(s.Console, "callback signing secret (whsec_...)", ct);
            if (!webhookSecret.StartsWith(StandardWebhookVerifier.SecretPrefix, StringComparison.Ordinal) || StandardWebhookVerifier.DecodeSecret(webhookSecret) is not { Length: >= 16 })
            {
                throw new OperatorException("The second line of standard input must be a Standard Webhooks secret: 'whsec_' and the base64 of at least 16 bytes.");
            }

            var protector = s.Get<SecretProtector>();
            ProtectedSecret protectedClient, protectedWebhook;
            try
            {
                protectedClient = protector.Protect(clientSecret);
                protectedWebhook = protector.Protect(webhookSecret);
            }
            catch (ArgumentException)
            {
                throw new OperatorException($"A secret must be 1 to {ProtectedSecret.MaxPlainBytes} bytes of UTF-8.");
            }

            pharmacy.ConfigureIntegration(baseUrl, token, client, protectedClient, protectedWebhook);
            await db.SaveChangesAsync(ct);
            await s.Console.Out.WriteLineAsync(
                $"Configured pharmacy '{pharmacy.Name}' ({GlobalId.Encode("Pharmacy", pharmacy.Id)}): API {baseUrl}, token endpoint {token}, client id {client}; client secret and callback secret stored encrypted.");
            await s.Console.Out.WriteLineAsync($"Its callbacks go to POST /partners/{GlobalId.Encode("Pharmacy", pharmacy.Id)}/events (README \"Partner pharmacy events\").");
            return 0;
        });

        return new Command("pharmacy", "Partner pharmacies of the shared catalog.") { add, configure };
    }

    public static async Task<Pharmacy> FindAsync(Data.HeadlessDbContext db, string idOrName, CancellationToken ct)
    {
        if (GlobalId.TryDecode(idOrName, "Pharmacy", out var id))
        {
            return await db.Pharmacies.FirstOrDefaultAsync(p => p.Id == id, ct)
                ?? throw new OperatorException($"No pharmacy has the ID {idOrName}.");
        }

        var named = await db.Pharmacies.Where(p => p.Name == idOrName).Take(2).ToListAsync(ct);
        return named.Count switch
        {
            1 => named[0],
            0 => throw new OperatorException($"No pharmacy is named '{idOrName}'."),
            _ => throw new OperatorException($"More than one pharmacy is named '{idOrName}'; give its ID."),
        };
    }

    private static string AbsoluteHttpUrl(string value, string option)
    {
        var trimmed = value.Trim();
        if (!Uri.TryCreate(trimmed, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp) || trimmed.Length > 500)
        {
            throw new OperatorException($"{option} must be an absolute http(s) URL of at most 500 characters.");
        }

        return uri.ToString();
    }

    /// <summary>One line of standard input; on a terminal it is prompted for on standard error and not echoed.</summary>
    private static async Task<string> ReadSecretAsync(OperatorConsole console, string what, CancellationToken ct)
    {
        string? line;
        if (console.InputIsTerminal)
        {
            await console.Error.WriteAsync($"{what}: ");
            var sb = new StringBuilder();
            for (var k = Console.ReadKey(intercept: true); k.Key != ConsoleKey.Enter; k = Console.ReadKey(intercept: true))
            {
                if (k.Key == ConsoleKey.Backspace)
                {
                    sb.Length = Math.Max(0, sb.Length - 1);
                }
                else if (!char.IsControl(k.KeyChar))
                {
                    sb.Append(k.KeyChar);
                }
            }

            await console.Error.WriteLineAsync();
            line = sb.ToString();
        }
        else
        {
            line = await console.In.ReadLineAsync(ct);
        }

        return string.IsNullOrWhiteSpace(line)
            ? throw new OperatorException($"Standard input ended before the {what}: give the client secret on the first line and the callback secret on the second.")
            : line.Trim();
    }
}
