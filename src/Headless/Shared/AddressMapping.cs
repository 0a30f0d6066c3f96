using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Headless.Shared;

internal static class AddressMapping
{
    public static void MapAddress<TOwner>(OwnedNavigationBuilder<TOwner, Address> a, string prefix)
        where TOwner : class
    {
        a.Property(x => x.Line1).HasColumnName($"{prefix}Line1").HasMaxLength(200);
        a.Property(x => x.Line2).HasColumnName($"{prefix}Line2").HasMaxLength(200);
        a.Property(x => x.City).HasColumnName($"{prefix}City").HasMaxLength(100);
        a.Property(x => x.State).HasColumnName($"{prefix}State").HasMaxLength(2);
        a.Property(x => x.Zip).HasColumnName($"{prefix}Zip").HasMaxLength(10);
    }
}
