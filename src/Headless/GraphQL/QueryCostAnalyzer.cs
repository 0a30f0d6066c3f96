using System.Globalization;
using GraphQL;
using GraphQL.Types;
using GraphQLParser;
using GraphQLParser.AST;

namespace Headless.GraphQL;

/// <summary>What an operation would cost, measured on its document before any other validation rule or resolver runs.</summary>
/// <param name="Complexity">The complexity score (see <see cref="QueryCostAnalyzer"/>); 0 when the document was refused for its size.</param>
/// <param name="Depth">The longest chain of nested fields.</param>
/// <param name="Selections">Selections in the whole document, each fragment counted once; stops counting one past the cap.</param>
/// <param name="RootFields">Distinct response names at the root of the operation.</param>
/// <param name="NodeLookups">Distinct response names at the root that are <c>node</c> fields.</param>
public sealed record QueryCost(double Complexity, int Depth, int Selections, int RootFields, int NodeLookups)
{
    /// <summary>Key of the cost in the execution's user context, where the transport reads it back.</summary>
    public const string UserContextKey = "headless.queryCost";
}

/// <summary>
/// Scores an operation the way GraphQL.NET's complexity analyzer does, in time linear in the document:
/// every field adds 1 multiplied by the list sizes above it; a list field multiplies its children by its own
/// <c>first</c>/<c>last</c>, by 1 when it has an <c>id</c> argument, else by its non-list parent field's
/// <c>first</c>/<c>last</c> (Relay connections: <c>patients(first: 50) { nodes { ... } }</c>), else by 20 per
/// list level; introspection fields cost 0. Depth counts nested fields; fragments add none.
/// <para>
/// The built-in analyzer walks a fragment again at every spread, so 25 fragments that each spread the next
/// twice cost it 2^25 visits. Here each fragment is summarised once as <c>A + B·h</c> (with a parent
/// <c>first</c> of h) or <c>A + C</c> (without), because only its top-level list fields depend on where it is
/// spread; the summary is reused at every spread.
/// </para>
/// </summary>
public static class QueryCostAnalyzer
{
    private const double DefaultListSize = 20;

    /// <summary>Counts the document's selections (all definitions, as the validation rules visit them) up to <paramref name="maxSelections"/> + 1, then scores the operation unless the count is over.</summary>
    public static QueryCost Analyze(ISchema schema, GraphQLDocument document, GraphQLOperationDefinition operation, Inputs variables, int maxSelections, CancellationToken cancellationToken)
    {
        var selections = CountSelections(document, maxSelections + 1, cancellationToken);
        if (selections > maxSelections)
        {
            return new QueryCost(0, 0, selections, 0, 0);
        }

        var walk = new Walk(schema, document, operation, variables, cancellationToken);
        IGraphType? root = operation.Operation switch
        {
            OperationType.Query => schema.Query,
            OperationType.Mutation => schema.Mutation,
            OperationType.Subscription => schema.Subscription,
            _ => null,
        };
        var summary = walk.Evaluate(operation.SelectionSet, root);
        var (rootFields, nodeLookups) = walk.CountRootFields(operation.SelectionSet);
        return new QueryCost(summary.A + summary.C, Math.Max(1, summary.Depth), selections, rootFields, nodeLookups);
    }

    private static int CountSelections(GraphQLDocument document, int stopAt, CancellationToken cancellationToken)
    {
        var count = 0;
        var pending = new Stack<GraphQLSelectionSet>();
        foreach (var definition in document.Definitions)
        {
            if (definition is IHasSelectionSetNode { SelectionSet: { } set })
            {
                pending.Push(set);
            }
        }

        while (pending.TryPop(out var set))
        {
            foreach (var selection in set.Selections)
            {
                if (++count >= stopAt)
                {
                    return count;
                }

                if ((count & 1023) == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                if (selection is IHasSelectionSetNode { SelectionSet: { } child })
                {
                    pending.Push(child);
                }
            }
        }

        return count;
    }

    /// <summary>
    /// The cost of a selection set as a function of the enclosing field's <c>first</c>: <c>A + B·first</c> when the
    /// enclosing field is a non-list field with an integer <c>first</c>/<c>last</c>, <c>A + C</c> otherwise.
    /// </summary>
    private readonly record struct Summary(double A, double B, double C, int Depth)
    {
        public double With(double? hint) => hint is { } h ? A + (B * h) : A + C;

        public Summary Plus(Summary other) => new(A + other.A, B + other.B, C + other.C, Math.Max(Depth, other.Depth));
    }

    private sealed class Walk(ISchema schema, GraphQLDocument document, GraphQLOperationDefinition operation, Inputs variables, CancellationToken cancellationToken)
    {
        private readonly Dictionary<GraphQLFragmentDefinition, Summary?> _fragments = [];
        private Dictionary<string, GraphQLFragmentDefinition>? _byName;
        private int _visited;

        public Summary Evaluate(GraphQLSelectionSet set, IGraphType? parentType)
        {
            var total = default(Summary);
            foreach (var selection in set.Selections)
            {
                if ((++_visited & 255) == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                switch (selection)
                {
                    case GraphQLField field when Included(field.Directives):
                        total = total.Plus(EvaluateField(field, parentType));
                        break;
                    case GraphQLInlineFragment inline when Included(inline.Directives):
                        var type = inline.TypeCondition is { } condition ? schema.AllTypes[condition.Type.Name.Value] : parentType;
                        total = total.Plus(Evaluate(inline.SelectionSet, type));
                        break;
                    case GraphQLFragmentSpread spread when Included(spread.Directives):
                        if (Fragment(spread.FragmentName.Name.Value) is { } fragment)
                        {
                            total = total.Plus(EvaluateFragment(fragment));
                        }

                        break;
                }
            }

            return total;
        }

        private Summary EvaluateFragment(GraphQLFragmentDefinition fragment)
        {
            if (_fragments.TryGetValue(fragment, out var known))
            {
                // null while the fragment is being evaluated: a cycle, which NoFragmentCycles reports.
                return known ?? default;
            }

            _fragments[fragment] = null;
            var summary = Evaluate(fragment.SelectionSet, schema.AllTypes[fragment.TypeCondition.Type.Name.Value]);
            _fragments[fragment] = summary;
            return summary;
        }

        private Summary EvaluateField(GraphQLField field, IGraphType? parentType)
        {
            var definition = FieldDefinition(field.Name.Value, parentType, out var meta);
            var (namedType, listLevels) = Unwrap(definition?.ResolvedType);
            var isList = listLevels > 0;

            // A connection passes its first/last down to its list fields (edges, nodes).
            double? childHint = definition is not null && !isList ? IntArgument(field, definition, "first") ?? IntArgument(field, definition, "last") : null;
            var child = field.SelectionSet is { } set ? Evaluate(set, namedType) : default;
            var childCost = child.With(childHint);
            var depth = 1 + (field.SelectionSet is null ? 0 : child.Depth);

            if (meta)
            {
                return new Summary(0, 0, 0, depth);
            }

            if (!isList)
            {
                return new Summary(1 + childCost, 0, 0, depth);
            }

            var own = IntArgument(field, definition!, "first") ?? IntArgument(field, definition!, "last") ?? (HasArgument(field, "id") ? 1 : null);
            return own is { } size
                ? new Summary(1 + (size * childCost), 0, 0, depth)
                : new Summary(1, childCost, Math.Pow(DefaultListSize, listLevels) * childCost, depth);
        }

        /// <summary>Distinct response names at the root (merged fields execute once), and how many of them are node lookups.</summary>
        public (int RootFields, int NodeLookups) CountRootFields(GraphQLSelectionSet set)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            var nodes = new HashSet<string>(StringComparer.Ordinal);
            var seenFragments = new HashSet<GraphQLFragmentDefinition>();
            Collect(set);
            return (names.Count, nodes.Count);

            void Collect(GraphQLSelectionSet selections)
            {
                foreach (var selection in selections.Selections)
                {
                    switch (selection)
                    {
                        case GraphQLField field when Included(field.Directives):
                            var responseName = (field.Alias?.Name ?? field.Name).StringValue;
                            names.Add(responseName);
                            if (field.Name.Value == "node")
                            {
                                nodes.Add(responseName);
                            }

                            break;
                        case GraphQLInlineFragment inline when Included(inline.Directives):
                            Collect(inline.SelectionSet);
                            break;
                        case GraphQLFragmentSpread spread when Included(spread.Directives):
                            if (Fragment(spread.FragmentName.Name.Value) is { } fragment && seenFragments.Add(fragment))
                            {
                                Collect(fragment.SelectionSet);
                            }

                            break;
                    }
                }
            }
        }

        private FieldType? FieldDefinition(ROM name, IGraphType? parentType, out bool meta)
        {
            meta = true;
            if (name == "__typename")
            {
                return schema.TypeNameMetaFieldType;
            }

            if (parentType is not null && parentType == schema.Query)
            {
                if (name == "__schema")
                {
                    return schema.SchemaMetaFieldType;
                }

                if (name == "__type")
                {
                    return schema.TypeMetaFieldType;
                }
            }

            // Unknown fields count as plain fields; FieldsOnCorrectType reports them after this pass.
            meta = false;
            return parentType is IComplexGraphType complex ? complex.GetField(name) : null;
        }

        private static (IGraphType? Named, int ListLevels) Unwrap(IGraphType? type)
        {
            var levels = 0;
            while (true)
            {
                switch (type)
                {
                    case NonNullGraphType nonNull:
                        type = nonNull.ResolvedType;
                        break;
                    case ListGraphType list:
                        levels++;
                        type = list.ResolvedType;
                        break;
                    default:
                        return (type, levels);
                }
            }
        }

        private GraphQLFragmentDefinition? Fragment(ROM name)
        {
            if (_byName is null)
            {
                _byName = new Dictionary<string, GraphQLFragmentDefinition>(StringComparer.Ordinal);
                foreach (var definition in document.Definitions)
                {
                    if (definition is GraphQLFragmentDefinition fragment)
                    {
                        _byName.TryAdd(fragment.FragmentName.Name.StringValue, fragment);
                    }
                }
            }

            return _byName.GetValueOrDefault(name.ToString());
        }

        private static bool HasArgument(GraphQLField field, string name) =>
            field.Arguments?.Items.Any(a => a.Name.Value == name) == true;

        /// <summary>
        /// An integer argument as execution would see it: the literal, the variable's value (or its default), else the
        /// argument's default. Negative values count as 0: they are refused later and must not lower the score.
        /// </summary>
        private double? IntArgument(GraphQLField field, FieldType definition, string name)
        {
            var argument = field.Arguments?.Items.FirstOrDefault(a => a.Name.Value == name);
            var value = argument is null ? definition.Arguments?.Find(name)?.DefaultValue : Value(argument.Value);
            return value switch
            {
                int i => Math.Max(0, i),
                long l => Math.Max(0, l),
                _ => null,
            };
        }

        private object? Value(GraphQLValue value) => value switch
        {
            GraphQLIntValue i => long.TryParse(i.Value.Span, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : null,
            GraphQLBooleanValue b => b.BoolValue,
            GraphQLVariable v => VariableValue(v.Name),
            _ => null,
        };

        private object? VariableValue(GraphQLName name)
        {
            if (variables.TryGetValue(name.StringValue, out var supplied))
            {
                return supplied;
            }

            var definition = operation.Variables?.Items.FirstOrDefault(d => d.Variable.Name.Value == name.Value);
            return definition?.DefaultValue is { } fallback and not GraphQLVariable ? Value(fallback) : null;
        }

        /// <summary>@skip and @include as execution applies them; a condition that cannot be read yet counts the selection.</summary>
        private bool Included(GraphQLDirectives? directives)
        {
            if (directives is null)
            {
                return true;
            }

            foreach (var directive in directives.Items)
            {
                var isSkip = directive.Name.Value == "skip";
                if (!isSkip && directive.Name.Value != "include")
                {
                    continue;
                }

                var condition = directive.Arguments?.Items.FirstOrDefault(a => a.Name.Value == "if");
                if (condition is not null && Value(condition.Value) is bool flag && flag == isSkip)
                {
                    return false;
                }
            }

            return true;
        }
    }
}
