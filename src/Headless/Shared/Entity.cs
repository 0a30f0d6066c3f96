namespace Headless.Shared;

/// <summary>A row with a database-generated numeric key; the key is never shown raw, only as a global ID.</summary>
public interface IEntity
{
    long Id { get; }
}

/// <summary>A row that belongs to exactly one organization (tenant). The DbContext filters these by the caller's tenant.</summary>
public interface ITenantOwned
{
    long OrganizationId { get; }
}
