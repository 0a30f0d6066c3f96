namespace PartnerPharmacy;

/// <summary>Entry point. Not named Program: the API project owns the global <c>Program</c> class.</summary>
public static class Entry
{
    public static void Main(string[] args) => SimulatorHost.Build(args).Run();
}
