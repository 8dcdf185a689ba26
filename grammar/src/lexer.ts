// Tokens of the Anomaly Rule Language.
import { createToken, Lexer, type IToken, type TokenType } from 'chevrotain';

export const Identifier = createToken({ name: 'Identifier', pattern: /[A-Za-z_][A-Za-z0-9_]*/ });
// `odd column name`: a column whose header is not a plain identifier.
export const QuotedIdentifier = createToken({
  name: 'QuotedIdentifier',
  pattern: /`[^`\r\n]*`/,
  categories: [Identifier],
});

function keyword(name: string, word: string, contextual = false): TokenType {
  const config = { name, pattern: new RegExp(word), longer_alt: Identifier };
  // Contextual keywords stay usable as names (a column called `normal`).
  return createToken(contextual ? { ...config, categories: [Identifier] } : config);
}

// Reserved words: they start declarations or are operators.
export const Dataset = keyword('Dataset', 'dataset');
export const Let = keyword('Let', 'let');
export const Rule = keyword('Rule', 'rule');
export const Exclude = keyword('Exclude', 'exclude');
export const Test = keyword('Test', 'test');
export const When = keyword('When', 'when');
export const And = keyword('And', 'and');
export const Or = keyword('Or', 'or');
export const Not = keyword('Not', 'not');
export const True = keyword('True', 'true');
export const False = keyword('False', 'false');
// Contextual words: keywords where the grammar expects them, names elsewhere.
export const Severity = keyword('Severity', 'severity', true);
export const Expect = keyword('Expect', 'expect', true);
export const Anomaly = keyword('Anomaly', 'anomaly', true);
export const Normal = keyword('Normal', 'normal', true);
export const At = keyword('At', 'at', true);
export const Category = keyword('Category', 'category', true);
export const In = keyword('In', 'in', true);

export const NumberLiteral = createToken({
  name: 'NumberLiteral',
  pattern: /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/,
});
export const StringLiteral = createToken({ name: 'StringLiteral', pattern: /"(?:[^"\\\r\n]|\\.)*"/ });
// An unterminated string is a token of its own so the error can say so.
export const UnterminatedString = createToken({ name: 'UnterminatedString', pattern: /"(?:[^"\\\r\n]|\\.)*/ });
export const Comment = createToken({ name: 'Comment', pattern: /#[^\r\n]*/, group: 'comments' });
export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\n\f\uFEFF]+/, group: Lexer.SKIPPED });

export const GreaterEqual = createToken({ name: 'GreaterEqual', pattern: />=/, label: "'>='" });
export const LessEqual = createToken({ name: 'LessEqual', pattern: /<=/, label: "'<='" });
export const EqualEqual = createToken({ name: 'EqualEqual', pattern: /==/, label: "'=='" });
export const NotEqual = createToken({ name: 'NotEqual', pattern: /!=/, label: "'!='" });
export const Greater = createToken({ name: 'Greater', pattern: />/, label: "'>'" });
export const Less = createToken({ name: 'Less', pattern: /</, label: "'<'" });
export const Equals = createToken({ name: 'Equals', pattern: /=/, label: "'='" });
export const Plus = createToken({ name: 'Plus', pattern: /\+/, label: "'+'" });
export const Minus = createToken({ name: 'Minus', pattern: /-/, label: "'-'" });
export const Star = createToken({ name: 'Star', pattern: /\*/, label: "'*'" });
export const Slash = createToken({ name: 'Slash', pattern: /\//, label: "'/'" });
export const LParen = createToken({ name: 'LParen', pattern: /\(/, label: "'('" });
export const RParen = createToken({ name: 'RParen', pattern: /\)/, label: "')'" });
export const LBrace = createToken({ name: 'LBrace', pattern: /\{/, label: "'{'" });
export const RBrace = createToken({ name: 'RBrace', pattern: /\}/, label: "'}'" });
export const LBracket = createToken({ name: 'LBracket', pattern: /\[/, label: "'['" });
export const RBracket = createToken({ name: 'RBracket', pattern: /\]/, label: "']'" });
export const Comma = createToken({ name: 'Comma', pattern: /,/, label: "','" });

export const allTokens: TokenType[] = [
  WhiteSpace,
  Comment,
  StringLiteral,
  UnterminatedString,
  NumberLiteral,
  Dataset, Let, Rule, Exclude, Test, When, And, Or, Not, True, False,
  Severity, Expect, Anomaly, Normal, At, Category, In,
  QuotedIdentifier,
  Identifier,
  GreaterEqual, LessEqual, EqualEqual, NotEqual, Greater, Less, Equals,
  Plus, Minus, Star, Slash, LParen, RParen, LBrace, RBrace, LBracket, RBracket, Comma,
];

/** Words that start a declaration: the parser resynchronises on them. */
export const declarationStarts: TokenType[] = [Dataset, Let, Rule, Exclude, Test];
export const reservedWords = ['dataset', 'let', 'rule', 'exclude', 'test', 'when', 'and', 'or', 'not', 'true', 'false'];
export const comparisonTokens: TokenType[] = [GreaterEqual, LessEqual, EqualEqual, NotEqual, Greater, Less];

/**
 * The lexer; chevrotain's checks of the token definitions run only when `validate` (a test does):
 * they cost every process about 20 ms at start and find nothing in tokens that do not change.
 */
export function makeLexer(validate = false): Lexer {
  return new Lexer(allTokens, { positionTracking: 'full', ensureOptimizations: false, skipValidations: !validate });
}

export const arlLexer = makeLexer();

/** The name an identifier token stands for (backticks removed). */
export function identName(token: IToken): string {
  return token.tokenType === QuotedIdentifier ? token.image.slice(1, -1) : token.image;
}

/** Whether `name` can be written without backticks. */
export function isPlainIdentifier(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !reservedWords.includes(name);
}

/** `name` as it must be written in ARL source. */
export function writeName(name: string): string {
  return isPlainIdentifier(name) ? name : '`' + name + '`';
}
