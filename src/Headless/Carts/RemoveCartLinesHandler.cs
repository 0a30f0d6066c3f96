using Headless.Data;
using Headless.GraphQL;
using Microsoft.EntityFrameworkCore;

namespace Headless.Carts;

/// <summary>Removes lines from an open cart: all of them or, when any ID names no line of the cart, none.</summary>
public sealed class RemoveCartLinesHandler(IDbContextFactory<HeadlessDbContext> contexts, TimeProvider clock)
{
    public Task<CartEditResult> HandleAsync(RemoveCartLines command, CancellationToken ct) =>
        CartEditing.RunAsync(contexts, db => RemoveOnceAsync(db, command, ct), ct);

    private async Task<CartEditResult> RemoveOnceAsync(HeadlessDbContext db, RemoveCartLines command, CancellationToken ct)
    {
        var ids = command.LineIds;
        if (CartUserErrors.LineCount(ids.Count, "lineIds", "line IDs") is { } badCount)
        {
            return badCount;
        }

        var (cart, failure) = await CartEditing.LoadOpenCartAsync(db, command.CartId, ct);
        if (cart is null)
        {
            return failure!;
        }

        var distinct = ids.OfType<long>().Distinct().ToList();
        var lines = await db.CartLines.Where(l => l.CartId == cart.Id && distinct.Contains(l.Id)).ToDictionaryAsync(l => l.Id, ct);
        var errors = new UserErrorList();
        errors.AddRange(command.InputErrors);
        for (var i = 0; i < ids.Count; i++)
        {
            if (ids[i] is { } id && !lines.ContainsKey(id))
            {
                errors.Add(UserErrorCode.NotFound, CartUserErrors.NoLine, "lineIds", CartUserErrors.Index(i));
            }
        }

        if (errors.Count > 0)
        {
            return CartUserErrors.Refused(CartUserErrors.ByIndex(errors));
        }

        if (CartUserErrors.VersionMismatch(cart, command.ExpectedVersion) is { } mismatch)
        {
            return mismatch;
        }

        var remaining = await db.CartLines.CountAsync(l => l.CartId == cart.Id, ct) - lines.Count;
        db.CartLines.RemoveRange(lines.Values);
        cart.Touch(clock.GetUtcNow());
        return await CartEditing.SaveAsync(db, cart, remaining, ct);
    }
}
