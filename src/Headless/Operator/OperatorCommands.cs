using System.CommandLine;

namespace Headless.Operator;

/// <summary>
/// The operator commands of the service's own executable (README "Operator commands"): run with a command name
/// they do one job on the configured database and exit; run without one, the executable serves the API.
/// </summary>
public static class OperatorCommands
{
    /// <summary>The first argument of every operator command; anything else (none, --urls, --Key=value) starts the server.</summary>
    private static readonly HashSet<string> Names = new(StringComparer.Ordinal)
    {
        "org", "key", "pharmacy", "catalog", "migrate", "help", "--help", "-h", "-?",
    };

    /// <summary>True when <paramref name="args"/> name an operator command rather than server settings.</summary>
    public static bool Handles(string[] args) => args.Length > 0 && Names.Contains(args[0]);

    /// <summary>Parses and runs one command; returns the process exit code (0 done, 1 bad input or failure).</summary>
    public static async Task<int> RunAsync(string[] args, OperatorConsole console, OperatorHostSettings? host = null, CancellationToken ct = default)
    {
        if (args is ["help", .. var rest])
        {
            args = [.. rest, "--help"];
        }

        var session = new OperatorSession(console, host ?? new OperatorHostSettings());
        try
        {
            var root = new RootCommand(
                "Headless operator commands. Without a command the executable serves the API. " +
                "The database is the one the server is configured with (Headless__Database__Provider, Headless__Database__ConnectionString).")
            {
                OrganizationCommands.Create(session),
                KeyCommands.Create(session),
                PharmacyCommands.Create(session),
                CatalogCommands.Create(session),
                MigrateCommand.Create(session),
            };
            var configuration = new InvocationConfiguration { Output = console.Out, Error = console.Error };
            return await root.Parse(args).InvokeAsync(configuration, ct);
        }
        finally
        {
            await session.DisposeAsync();
        }
    }

    /// <summary>Sets the action of a command that needs the app's services; bad input becomes a message and exit code 1.</summary>
    internal static void SetOperatorAction(this Command command, OperatorSession session, Func<ParseResult, OperatorSession, CancellationToken, Task<int>> action, bool migrated = true) =>
        command.SetAction(async (parse, ct) =>
        {
            try
            {
                if (migrated)
                {
                    await session.EnsureDatabaseReadyAsync(ct);
                }

                return await action(parse, session, ct);
            }
            catch (OperatorException ex)
            {
                await session.Console.Error.WriteLineAsync($"error: {ex.Message}");
                return 1;
            }
        });
}

/// <summary>Bad input or a state the command cannot work from; its message is printed as is.</summary>
public sealed class OperatorException(string message) : Exception(message);
