using GraphQL;
using GraphQLParser;
using GraphQLParser.AST;

namespace Headless.GraphQL;

/// <summary>What a query asks for below the field being resolved, so a resolver loads only what will be read.</summary>
public static class Selections
{
    private const int MaxDepth = 64;

    /// <summary>
    /// Whether the field's selection reaches <paramref name="path"/> (field names, not aliases), through inline fragments
    /// and fragment spreads. GraphQL.NET has already merged the selections of fields with the same response name.
    /// Directives are not evaluated: a field under @skip counts as selected, so a caller only ever loads too much.
    /// </summary>
    public static bool Selects(this IResolveFieldContext context, params string[] path) =>
        context.FieldAst.SelectionSet is not { } selection || Reaches(context.Document, selection, path, 0, 0);

    private static bool Reaches(GraphQLDocument document, GraphQLSelectionSet selection, string[] path, int at, int depth)
    {
        if (depth > MaxDepth)
        {
            return true;
        }

        foreach (var node in selection.Selections)
        {
            var reached = node switch
            {
                GraphQLField field when field.Name == path[at] =>
                    at == path.Length - 1 || field.SelectionSet is null || Reaches(document, field.SelectionSet, path, at + 1, depth + 1),
                GraphQLField => false,
                GraphQLInlineFragment inline => Reaches(document, inline.SelectionSet, path, at, depth + 1),
                GraphQLFragmentSpread spread => document.FindFragmentDefinition(spread.FragmentName.Name) is not { } fragment
                    || Reaches(document, fragment.SelectionSet, path, at, depth + 1),
                _ => true,
            };
            if (reached)
            {
                return true;
            }
        }

        return false;
    }
}
