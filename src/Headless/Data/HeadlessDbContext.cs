using System.Linq.Expressions;
using Headless.Audit;
using Headless.Auth;
using Headless.Carts;
using Headless.Carts.Validation;
using Headless.Catalog;
using Headless.Clinics;
using Headless.Fulfillment;
using Headless.Orders;
using Headless.Orders.Lifecycle;
using Headless.Organizations;
using Headless.Outbox;
using Headless.Patients;
using Headless.Prescribers;
using Headless.Shared;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Headless.Data;

/// <summary>
/// The model shared by every provider. One subclass per provider exists only so each keeps its
/// own migration set. A context is bound to one tenant for its whole life: every
/// <see cref="ITenantOwned"/> row of another organization is filtered out of every query.
/// It also holds the Data Protection key ring (<see cref="DataProtectionKeys"/>), so every instance on the database shares it.
/// </summary>
public abstract class HeadlessDbContext(DbContextOptions options, TenantContext tenant) : DbContext(options), IDataProtectionKeyContext
{
    /// <summary>
    /// The organization this context sees. -1 (no tenant) matches no row, so a context created
    /// without a tenant cannot read tenant data unless the caller opts out of the filter explicitly.
    /// </summary>
    public long CurrentOrganizationId { get; } = tenant.OrganizationId ?? -1;

    public DbSet<Organization> Organizations => Set<Organization>();

    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();

    public DbSet<Clinic> Clinics => Set<Clinic>();

    public DbSet<Prescriber> Prescribers => Set<Prescriber>();

    public DbSet<Patient> Patients => Set<Patient>();

    public DbSet<Pharmacy> Pharmacies => Set<Pharmacy>();

    public DbSet<Product> Products => Set<Product>();

    public DbSet<Offering> Offerings => Set<Offering>();

    public DbSet<Cart> Carts => Set<Cart>();

    public DbSet<CartLine> CartLines => Set<CartLine>();

    public DbSet<CartValidation> CartValidations => Set<CartValidation>();

    public DbSet<Order> Orders => Set<Order>();

    public DbSet<OrderLine> OrderLines => Set<OrderLine>();

    public DbSet<OrderLineEvent> OrderLineEvents => Set<OrderLineEvent>();

    public DbSet<PartnerOrder> PartnerOrders => Set<PartnerOrder>();

    public DbSet<OutboxMessage> OutboxMessages => Set<OutboxMessage>();

    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();

    public DbSet<Events.DomainEvent> Events => Set<Events.DomainEvent>();

    /// <summary>The Data Protection key ring that encrypts secrets at rest (README "Secrets at rest"). Platform data, not a tenant's.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Every secret, today's and any added later, is a ProtectedSecret property: stored as ciphertext, never mapped one by one.
        configurationBuilder.Properties<ProtectedSecret>().HaveConversion<ProtectedSecretConverter>().HaveMaxLength(ProtectedSecret.StoredMaxLength);

        // Statuses are stored as strings: every enum property, today's and any added later, holds its wire string
        // ("ON_HOLD"). Column lengths stay with each entity's configuration.
        foreach (var type in typeof(HeadlessDbContext).Assembly.GetTypes().Where(t => t.IsEnum))
        {
            configurationBuilder.Properties(type).HaveConversion(typeof(WireEnumConverter<>).MakeGenericType(type));
        }
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(HeadlessDbContext).Assembly);

        foreach (var entityType in modelBuilder.Model.GetEntityTypes())
        {
            if (typeof(ITenantOwned).IsAssignableFrom(entityType.ClrType) && entityType.BaseType is null && !entityType.IsOwned())
            {
                modelBuilder.Entity(entityType.ClrType).HasQueryFilter(TenantFilter(entityType.ClrType));
            }
        }
    }

    // e => e.OrganizationId == this.CurrentOrganizationId; EF re-reads the property per context instance.
    private LambdaExpression TenantFilter(Type clrType)
    {
        var e = Expression.Parameter(clrType, "e");
        var body = Expression.Equal(
            Expression.Property(e, nameof(ITenantOwned.OrganizationId)),
            Expression.Property(Expression.Constant(this), nameof(CurrentOrganizationId)));
        return Expression.Lambda(body, e);
    }
}

/// <summary>The caller's organization for the current request or operation; set once by the transport.</summary>
public sealed class TenantContext
{
    public long? OrganizationId { get; private set; }

    public static TenantContext None => new();

    public static TenantContext For(long organizationId) => new() { OrganizationId = organizationId };

    public void Set(long organizationId)
    {
        if (OrganizationId is not null && OrganizationId != organizationId)
        {
            throw new InvalidOperationException("The tenant of a request cannot change once set.");
        }

        OrganizationId = organizationId;
    }
}
