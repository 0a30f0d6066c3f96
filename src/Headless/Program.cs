using Headless.Hosting;

var builder = HeadlessHost.CreateBuilder(args);
builder.Services.AddHeadless();

var app = builder.Build();
app.MapHeadless();
app.Run();

/// <summary>Entry point; public so tests can host it with WebApplicationFactory.</summary>
public partial class Program;
