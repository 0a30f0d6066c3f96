using Mono.Cecil;
using Mono.Cecil.Cil;

namespace Headless.Tests.Infrastructure;

/// <summary>
/// Reads the production assembly's IL (Mono.Cecil) for architecture tests: who calls what, and which capability
/// folder (the namespace segment after "Headless.") each type belongs to.
/// </summary>
public sealed class AssemblyScan
{
    private static readonly Lazy<AssemblyScan> s_headless = new(() => new AssemblyScan(typeof(Headless.Data.HeadlessDbContext).Assembly.Location));

    private AssemblyScan(string path)
    {
        Module = ModuleDefinition.ReadModule(path);
        Types = Module.GetTypes().ToList();
        Methods = Types.SelectMany(t => t.Methods).Where(m => m.HasBody).ToList();
    }

    public static AssemblyScan Headless => s_headless.Value;

    public ModuleDefinition Module { get; }

    public IReadOnlyList<TypeDefinition> Types { get; }

    public IReadOnlyList<MethodDefinition> Methods { get; }

    /// <summary>The outermost type: compiler-generated closures and state machines count as their declaring type.</summary>
    public static TypeDefinition Outer(TypeDefinition type)
    {
        while (type.DeclaringType is not null)
        {
            type = type.DeclaringType;
        }

        return type;
    }

    /// <summary>"Carts" for Headless.Carts.CartService, "Orders" for Headless.Orders.Lifecycle.LineChanges; null outside Headless.</summary>
    public static string? Capability(TypeReference type)
    {
        var ns = type is TypeDefinition def ? Outer(def).Namespace : Outermost(type).Namespace;
        var parts = ns.Split('.');
        return parts.Length >= 2 && parts[0] == "Headless" ? parts[1] : null;
    }

    /// <summary>Methods whose bodies call (or create, or take the address of) <paramref name="target"/>.</summary>
    public IEnumerable<MethodDefinition> CallersOf(MethodDefinition target) =>
        Methods.Where(m => m.Body.Instructions.Any(i => i.Operand is MethodReference r && Same(r, target)));

    /// <summary>Methods whose bodies write the field (a property's backing field counts).</summary>
    public IEnumerable<MethodDefinition> WritersOf(FieldDefinition field) =>
        Methods.Where(m => m.Body.Instructions.Any(i => (i.OpCode == OpCodes.Stfld || i.OpCode == OpCodes.Stsfld) && i.Operand is FieldReference f && f.Resolve() == field));

    /// <summary>Every type a type refers to: base, interfaces, fields, signatures, locals and the operands of its IL.</summary>
    public static IEnumerable<TypeReference> Dependencies(TypeDefinition type)
    {
        if (type.BaseType is not null)
        {
            yield return type.BaseType;
        }

        foreach (var i in type.Interfaces)
        {
            yield return i.InterfaceType;
        }

        foreach (var f in type.Fields)
        {
            yield return f.FieldType;
        }

        foreach (var m in type.Methods)
        {
            yield return m.ReturnType;
            foreach (var p in m.Parameters)
            {
                yield return p.ParameterType;
            }

            if (!m.HasBody)
            {
                continue;
            }

            foreach (var v in m.Body.Variables)
            {
                yield return v.VariableType;
            }

            foreach (var i in m.Body.Instructions)
            {
                switch (i.Operand)
                {
                    case TypeReference t:
                        yield return t;
                        break;
                    case MethodReference r:
                        yield return r.DeclaringType;
                        yield return r.ReturnType;
                        foreach (var p in r.Parameters)
                        {
                            yield return p.ParameterType;
                        }

                        if (r is GenericInstanceMethod g)
                        {
                            foreach (var a in g.GenericArguments)
                            {
                                yield return a;
                            }
                        }

                        break;
                    case FieldReference f:
                        yield return f.DeclaringType;
                        yield return f.FieldType;
                        break;
                }
            }
        }
    }

    /// <summary>The types named by a reference, generic arguments and element types included.</summary>
    public static IEnumerable<TypeReference> Unwrap(TypeReference type)
    {
        switch (type)
        {
            case GenericInstanceType g:
                yield return g.ElementType;
                foreach (var a in g.GenericArguments.SelectMany(Unwrap))
                {
                    yield return a;
                }

                break;
            case TypeSpecification s:
                foreach (var e in Unwrap(s.ElementType))
                {
                    yield return e;
                }

                break;
            case GenericParameter:
                break;
            default:
                yield return type;
                break;
        }
    }

    private static TypeReference Outermost(TypeReference type)
    {
        while (type.DeclaringType is not null)
        {
            type = type.DeclaringType;
        }

        return type;
    }

    private static bool Same(MethodReference reference, MethodDefinition target) =>
        reference.Name == target.Name &&
        reference.DeclaringType.Resolve() == target.DeclaringType &&
        reference.Resolve() == target;
}
