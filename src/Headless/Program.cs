using Headless.Hosting;
using Headless.Operator;

// With an operator command (README "Operator commands") the executable does that one job and exits; without one it serves.
if (OperatorCommands.Handles(args))
{
    return await OperatorCommands.RunAsync(args, OperatorConsole.Standard);
}

var builder = HeadlessHost.CreateBuilder(args);
builder.Services.AddHeadless();

var app = builder.Build();
app.MapHeadless();
app.Run();
return 0;

/// <summary>Entry point; public so tests can host it with WebApplicationFactory.</summary>
public partial class Program;
