using System.Collections;
using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using GraphQL;
using GraphQL.DI;
using GraphQL.Resolvers;
using GraphQL.Types;
using GraphQL.Utilities;
using Headless.GraphQL;
using Headless.Shared;

namespace Headless.Audit;

/// <summary>
/// Wraps resolvers when the schema is built, so recording costs nothing where nothing is recorded: the fields of
/// <see cref="PhiFields"/> record their object, every root query field records the IDs it was asked for when it
/// answers null or NOT_FOUND (a probe), and every mutation records the IDs in its arguments and the objects of its
/// payload, each with an outcome. Runs after GraphQL.NET has applied field middleware, so it wraps the final resolvers.
/// </summary>
internal sealed class AuditSchemaVisitor : BaseSchemaNodeVisitor
{
    private AuditSchemaMap _map = null!;

    public override void VisitSchema(ISchema schema) => _map = new AuditSchemaMap(schema);

    public override void VisitObjectFieldDefinition(FieldType field, IObjectGraphType type, ISchema schema)
    {
        var inner = field.Resolver ?? (field.StreamResolver is null ? NameFieldResolver.Instance : SourceFieldResolver.Instance);
        if (ReferenceEquals(type, schema.Query))
        {
            field.Resolver = new QueryRootResolver(inner, _map, PhiFields.Searches.Where(s => s.Field == field.Name).Select(s => s.Argument).ToArray());
        }
        else if (ReferenceEquals(type, schema.Mutation))
        {
            field.Resolver = new MutationRootResolver(inner, _map);
        }
        else if (PhiFields.IsPhi(type.Name, field.Name))
        {
            field.Resolver = new PhiFieldResolver(inner, type.Name);
        }
    }
}

/// <summary>What the resolvers need to know about the schema: node types by CLR type, and where IDs sit in arguments.</summary>
internal sealed class AuditSchemaMap
{
    private readonly Dictionary<Type, string> _nodeTypes = [];
    private readonly HashSet<string> _objectTypes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<IGraphType, bool> _holdsIds = new();
    private readonly ConcurrentDictionary<(Type, string), PropertyInfo?> _inputProperties = new();
    private readonly ConcurrentDictionary<Type, PropertyInfo[]> _payloadProperties = new();

    public AuditSchemaMap(ISchema schema)
    {
        foreach (var type in schema.AllTypes.OfType<IObjectGraphType>())
        {
            _objectTypes.Add(type.Name);
            if (type.ResolvedInterfaces.Any(i => i.Name == "Node") && SourceType(type.GetType()) is { } source && typeof(IEntity).IsAssignableFrom(source))
            {
                _nodeTypes.TryAdd(source, type.Name);
            }
        }
    }

    public const int MaxInputDepth = 10;

    /// <summary>The GraphQL node type name of a resolved object, when it is one.</summary>
    public string? NodeTypeOf(object? value) => value is IEntity && _nodeTypes.TryGetValue(value.GetType(), out var name) ? name : null;

    /// <summary>Global IDs name a type; only types of this schema are recorded, so no client text reaches a row.</summary>
    public bool IsObjectType(string name) => _objectTypes.Contains(name);

    /// <summary>Every decodable ID in the field's arguments, with its path as userErrors write it ("lines/0/patientId").</summary>
    public List<(string Path, string Type, long Id)> ArgumentIds(IResolveFieldContext context)
    {
        var found = new List<(string, string, long)>();
        if (context.FieldDefinition.Arguments is not { Count: > 0 } arguments || context.Arguments is null)
        {
            return found;
        }

        foreach (var argument in arguments)
        {
            if (argument.ResolvedType is { } type && context.Arguments.TryGetValue(argument.Name, out var value))
            {
                Walk(value.Value, type, argument.Name, 0, found);
            }
        }

        return found;
    }

    /// <summary>The payload's userErrors (every payload record has a UserErrors property), or none.</summary>
    public IReadOnlyList<UserError> UserErrorsOf(object? payload) =>
        payload is null ? [] : PayloadProperties(payload.GetType())
            .Where(p => p.Name == "UserErrors")
            .Select(p => p.GetValue(payload))
            .OfType<IEnumerable<UserError>>()
            .FirstOrDefault()?.ToList() ?? [];

    /// <summary>The node objects a payload carries (the patient created, the order placed).</summary>
    public IEnumerable<(string Type, long Id)> PayloadObjects(object? payload)
    {
        if (payload is null)
        {
            return [];
        }

        return PayloadProperties(payload.GetType())
            .Select(p => p.GetValue(payload))
            .Select(v => (Type: NodeTypeOf(v), Value: v))
            .Where(x => x.Type is not null)
            .Select(x => (x.Type!, ((IEntity)x.Value!).Id));
    }

    private void Walk(object? value, IGraphType type, string path, int depth, List<(string, string, long)> found)
    {
        if (value is null || depth > MaxInputDepth)
        {
            return;
        }

        switch (type)
        {
            case NonNullGraphType nonNull when nonNull.ResolvedType is { } inner:
                Walk(value, inner, path, depth, found);
                break;
            case IdGraphType:
                if (GlobalId.TryDecode(Convert.ToString(value, CultureInfo.InvariantCulture), out var typeName, out var id) && IsObjectType(typeName))
                {
                    found.Add((path, typeName, id));
                }

                break;
            case ListGraphType list when list.ResolvedType is { } item && value is IEnumerable items and not string:
                var i = 0;
                foreach (var element in items)
                {
                    Walk(element, item, $"{path}/{i++}", depth + 1, found);
                }

                break;
            case IInputObjectGraphType input when HoldsIds(input, 0):
                foreach (var field in input.Fields)
                {
                    if (field.ResolvedType is { } fieldType)
                    {
                        Walk(Member(value, field.Name), fieldType, $"{path}/{field.Name}", depth + 1, found);
                    }
                }

                break;
        }
    }

    private bool HoldsIds(IGraphType type, int depth) => depth <= MaxInputDepth && _holdsIds.GetOrAdd(type, t => t switch
    {
        IdGraphType => true,
        NonNullGraphType n => n.ResolvedType is { } inner && HoldsIds(inner, depth + 1),
        ListGraphType l => l.ResolvedType is { } inner && HoldsIds(inner, depth + 1),
        IInputObjectGraphType o => o.Fields.Any(f => f.ResolvedType is { } inner && !ReferenceEquals(inner, o) && HoldsIds(inner, depth + 1)),
        _ => false,
    });

    /// <summary>An input field's value: input objects arrive as their CLR record (or a dictionary for untyped ones).</summary>
    private object? Member(object value, string name)
    {
        if (value is IDictionary<string, object?> dictionary)
        {
            return dictionary.TryGetValue(name, out var v) ? v : null;
        }

        var property = _inputProperties.GetOrAdd((value.GetType(), name), key =>
            key.Item1.GetProperty(key.Item2, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase));
        return property?.GetValue(value);
    }

    private PropertyInfo[] PayloadProperties(Type type) => _payloadProperties.GetOrAdd(type, t =>
        t.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0).ToArray());

    private static Type? SourceType(Type graphType)
    {
        for (var t = graphType; t is not null; t = t.BaseType)
        {
            if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(ObjectGraphType<>))
            {
                return t.GetGenericArguments()[0];
            }
        }

        return null;
    }
}

/// <summary>Records the object whose patient-data field resolves; the value itself is never looked at.</summary>
internal sealed class PhiFieldResolver(IFieldResolver inner, string typeName) : IFieldResolver
{
    public ValueTask<object?> ResolveAsync(IResolveFieldContext context)
    {
        if (context.Source is IEntity entity)
        {
            context.AuditRecorder()?.Object(context, typeName, entity.Id, AuditOutcome.Ok);
        }

        return inner.ResolveAsync(context);
    }
}

/// <summary>A root query field: a lookup that answers null or NOT_FOUND records the IDs it was given; a patient search records its page.</summary>
internal sealed class QueryRootResolver(IFieldResolver inner, AuditSchemaMap map, IReadOnlyList<string> searchArguments) : IFieldResolver
{
    public async ValueTask<object?> ResolveAsync(IResolveFieldContext context)
    {
        var recorder = context.AuditRecorder();
        if (recorder is null)
        {
            return await inner.ResolveAsync(context);
        }

        object? result;
        try
        {
            result = await inner.ResolveAsync(context);
        }
        catch (ExecutionError error) when (error.Code == "NOT_FOUND")
        {
            RecordArguments(context, recorder, AuditOutcome.NotFound);
            recorder.RootField(context, AuditOutcome.NotFound);
            throw;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            recorder.RootField(context, AuditOutcome.Error);
            throw;
        }

        if (result is null)
        {
            RecordArguments(context, recorder, AuditOutcome.NotFound);
        }
        else if (result is IConnection page && searchArguments.Any(a => !string.IsNullOrWhiteSpace(SearchText(context, a))))
        {
            foreach (var node in page.Nodes)
            {
                if (map.NodeTypeOf(node) is { } type)
                {
                    recorder.Object(context, type, ((IEntity)node!).Id, AuditOutcome.Ok);
                }
            }
        }

        recorder.RootField(context, AuditOutcome.Ok);
        return result;
    }

    /// <summary>The search text of "argument" or "argument.inputField"; null when not given.</summary>
    private static string? SearchText(IResolveFieldContext context, string path)
    {
        var dot = path.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0)
        {
            return context.GetArgument<string?>(path);
        }

        if (context.Arguments?.TryGetValue(path[..dot], out var argument) != true || argument.Value is null)
        {
            return null;
        }

        // Input objects arrive as their CLR input record (OrderLineFilter); a dictionary when the type has none.
        var name = path[(dot + 1)..];
        return argument.Value is IDictionary<string, object?> input
            ? (input.TryGetValue(name, out var value) ? value as string : null)
            : argument.Value.GetType().GetProperty(name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase)?.GetValue(argument.Value) as string;
    }

    private void RecordArguments(IResolveFieldContext context, AuditRecorder recorder, AuditOutcome outcome)
    {
        foreach (var (_, type, id) in map.ArgumentIds(context))
        {
            recorder.Object(context, type, id, outcome);
        }
    }
}

/// <summary>
/// A mutation: every ID in its arguments is recorded, NOT_FOUND where a NOT_FOUND userError points at it, else with
/// the mutation's outcome (OK, REJECTED when it answered userErrors, ERROR when it failed); the node objects of its
/// payload are recorded with the same outcome.
/// </summary>
internal sealed class MutationRootResolver(IFieldResolver inner, AuditSchemaMap map) : IFieldResolver
{
    public async ValueTask<object?> ResolveAsync(IResolveFieldContext context)
    {
        var recorder = context.AuditRecorder();
        if (recorder is null)
        {
            return await inner.ResolveAsync(context);
        }

        var ids = map.ArgumentIds(context);
        object? result;
        try
        {
            result = await inner.ResolveAsync(context);
        }
        catch (Exception ex)
        {
            var outcome = ex is ExecutionError { Code: "NOT_FOUND" } ? AuditOutcome.NotFound : AuditOutcome.Error;
            foreach (var (_, type, id) in ids)
            {
                recorder.Object(context, type, id, outcome);
            }

            recorder.RootField(context, outcome);
            throw;
        }

        var userErrors = map.UserErrorsOf(result);
        var applied = userErrors.Count == 0 ? AuditOutcome.Ok : AuditOutcome.Rejected;
        var notFound = userErrors.Where(e => e.Code == UserErrorCode.NotFound).Select(e => string.Join('/', e.Field)).ToHashSet(StringComparer.Ordinal);
        foreach (var (path, type, id) in ids)
        {
            recorder.Object(context, type, id, notFound.Contains(path) ? AuditOutcome.NotFound : applied);
        }

        foreach (var (type, id) in map.PayloadObjects(result))
        {
            recorder.Object(context, type, id, applied);
        }

        recorder.RootField(context, applied);
        return result;
    }
}

internal static class AuditResolveContextExtensions
{
    /// <summary>
    /// The request's recorder; null when the schema runs outside a request scope (then nothing is recorded). Found once
    /// per execution (<see cref="AuditRecorderLookup"/>) rather than per field: a scoped lookup takes the scope's lock,
    /// and a page of 100 order lines has hundreds of patient-data fields.
    /// </summary>
    public static AuditRecorder? AuditRecorder(this IResolveFieldContext context) =>
        context.UserContext.TryGetValue(AuditRecorderLookup.UserContextKey, out var found) && found is AuditRecorderLookup.Found entry && ReferenceEquals(entry.Services, context.RequestServices)
            ? entry.Recorder
            : context.RequestServices?.GetService<AuditRecorder>();
}

/// <summary>
/// Puts the execution's recorder in its user context before any resolver runs (nothing writes there while resolvers
/// run in parallel). A subscription event runs in a scope of its own, whose services differ: its fields look theirs up.
/// </summary>
internal sealed class AuditRecorderLookup : IConfigureExecution
{
    public const string UserContextKey = "headless.auditRecorder";

    public float SortOrder => 300;

    public Task<ExecutionResult> ExecuteAsync(ExecutionOptions options, ExecutionDelegate next)
    {
        if (options.RequestServices is { } services && services.GetService<AuditRecorder>() is { } recorder)
        {
            options.UserContext[UserContextKey] = new Found(services, recorder);
        }

        return next(options);
    }

    public sealed record Found(IServiceProvider Services, AuditRecorder Recorder);
}
