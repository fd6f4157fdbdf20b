using FluentValidation;

namespace Aibench.Shared.Validation;

/// <summary>
/// The rules of a message that carries another one (a preview of a command, a check of a spec): exactly the inner
/// one's, reported under the inner one's field names (<c>recipe</c>, <c>load.rate</c>), since over REST the body is
/// the inner object.
/// </summary>
public abstract class WrapperValidator<TMessage, TInner> : AbstractValidator<TMessage>
    where TInner : class
{
    protected WrapperValidator(IValidator<TInner> inner, Func<TMessage, TInner?> select) =>
        RuleFor(m => m).Custom((m, context) =>
        {
            if (select(m) is not { } body)
            {
                context.AddFailure("body", "A request body is required.");
                return;
            }

            foreach (var failure in inner.Validate(body).Errors) context.AddFailure(failure);
        });
}
