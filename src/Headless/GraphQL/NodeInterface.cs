using GraphQL.Types;

namespace Headless.GraphQL;

/// <summary>The Relay Node interface: every object that can be re-fetched by its global ID.</summary>
public sealed class NodeInterface : InterfaceGraphType
{
    public NodeInterface()
    {
        Name = "Node";
        Description = "An object with an opaque, globally unique ID that can be fetched again with `node(id:)`.";
        Field<NonNullGraphType<IdGraphType>>("id").Description("The object's opaque global ID. Do not parse it.");
    }
}

/// <summary>Base for object types that implement Node and expose an encoded ID.</summary>
public abstract class NodeGraphType<T> : ObjectGraphType<T>
    where T : Shared.IEntity
{
    protected NodeGraphType(string name, string description)
    {
        Name = name;
        Description = description;
        Interface<NodeInterface>();
        IsTypeOf = o => o is T;
        Field<NonNullGraphType<IdGraphType>>("id")
            .Description("The object's opaque global ID. Do not parse it.")
            .Resolve(ctx => GlobalId.Encode(name, ctx.Source.Id));
    }
}
