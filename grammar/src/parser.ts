// The grammar, as a chevrotain CST parser with error recovery. docs/language.md describes it in prose.
import { CstParser, EMPTY_ALT, tokenMatcher, type CstNode, type IParserErrorMessageProvider, type IToken, type TokenType } from 'chevrotain';
import * as T from './lexer';

/** How a token is named in an error message. */
export function describeToken(token: IToken | undefined): string {
  if (!token || token.tokenType.name === 'EOF') return 'the end of the declaration';
  return `'${token.image}'`;
}

function describeType(type: TokenType): string {
  if (type === T.Identifier) return 'a name';
  if (type === T.NumberLiteral) return 'a number';
  if (type === T.StringLiteral) return 'a string';
  if (typeof type.LABEL === 'string') return type.LABEL;
  const pattern = type.PATTERN;
  if (pattern instanceof RegExp) return `'${pattern.source}'`;
  return type.name;
}

const ruleDescriptions: Record<string, string> = {
  expression: 'an expression',
  orExpr: 'an expression',
  andExpr: 'an expression',
  notExpr: 'an expression',
  cmpExpr: 'an expression',
  addExpr: 'an expression',
  mulExpr: 'an expression',
  unaryExpr: 'an expression',
  primary: "a number, a string, a name, a call, a list or '('",
  listExpr: "a list like [a, b]",
  datasetValue: 'a column name, a string or a split like 60/20/20',
  datasetArg: 'a column name, a string or shares like 60/20/20',
  testItem: "a column like `x = [1, 2, 3]` or `expect anomaly`",
  testValue: "a number, a string or '_' (missing)",
  declaration: "a declaration ('dataset', 'let', 'rule', 'exclude' or 'test')",
};

const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual }) {
    return `Expected ${describeType(expected)} but found ${describeToken(actual)}.`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `Unexpected ${describeToken(firstRedundant)}: a declaration ends before it. Remove it, or start a new declaration with 'rule', 'let', 'exclude', 'test' or 'dataset'.`;
  },
  buildNoViableAltMessage({ actual, ruleName }) {
    const want = ruleDescriptions[ruleName] ?? 'something else';
    return `Expected ${want} but found ${describeToken(actual[0])}.`;
  },
  buildEarlyExitMessage({ actual, ruleName }) {
    const want = ruleDescriptions[ruleName] ?? 'something else';
    return `Expected ${want} but found ${describeToken(actual[0])}.`;
  },
};

export class ArlParser extends CstParser {
  /** Chevrotain's grammar checks (ambiguities, left recursion) run only when `validate` (a test does): they cost every process about 20 ms at start. */
  constructor(validate = false) {
    super(T.allTokens, {
      recoveryEnabled: true,
      maxLookahead: 3,
      skipValidations: !validate,
      nodeLocationTracking: 'none',
      errorMessageProvider: messages,
    });
    this.performSelfAnalysis();
  }

  declaration = this.RULE('declaration', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.datasetDecl) },
      { ALT: () => this.SUBRULE(this.letDecl) },
      { ALT: () => this.SUBRULE(this.ruleDecl) },
      { ALT: () => this.SUBRULE(this.excludeDecl) },
      { ALT: () => this.SUBRULE(this.testDecl) },
    ]);
  });

  datasetDecl = this.RULE('datasetDecl', () => {
    this.CONSUME(T.Dataset);
    this.CONSUME(T.StringLiteral);
    this.OPTION(() => {
      this.CONSUME(T.LBrace);
      this.MANY(() => this.SUBRULE(this.datasetProp));
      this.CONSUME(T.RBrace);
    });
  });

  datasetProp = this.RULE('datasetProp', () => {
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.datasetValue);
  });

  datasetValue = this.RULE('datasetValue', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.StringLiteral) },
      {
        ALT: () => {
          this.CONSUME(T.Identifier);
          this.OR2([
            {
              // `objective = f_beta(2)`
              ALT: () => {
                this.CONSUME(T.LParen);
                this.OPTION1(() => this.CONSUME2(T.NumberLiteral));
                this.CONSUME(T.RParen);
              },
            },
            {
              // `time 60/20/20`, `column fold`: a word, then what it applies to. A name followed by
              // `=` starts the next setting instead.
              GATE: () => !(tokenMatcher(this.LA(1), T.Identifier) && tokenMatcher(this.LA(2), T.Equals)),
              ALT: () => this.SUBRULE(this.datasetArg),
            },
            { ALT: EMPTY_ALT() },
          ]);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.NumberLiteral);
          this.MANY(() => {
            this.CONSUME(T.Slash);
            this.CONSUME1(T.NumberLiteral);
          });
        },
      },
    ]);
  });

  datasetArg = this.RULE('datasetArg', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.StringLiteral) },
      { ALT: () => this.CONSUME(T.Identifier) },
      {
        ALT: () => {
          this.CONSUME(T.NumberLiteral);
          this.MANY(() => {
            this.CONSUME(T.Slash);
            this.CONSUME1(T.NumberLiteral);
          });
        },
      },
    ]);
  });

  letDecl = this.RULE('letDecl', () => {
    this.CONSUME(T.Let);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expression);
  });

  ruleDecl = this.RULE('ruleDecl', () => {
    this.CONSUME(T.Rule);
    this.CONSUME(T.Identifier);
    this.OPTION(() => this.CONSUME(T.StringLiteral));
    this.OPTION1(() => {
      this.CONSUME(T.Severity);
      this.CONSUME1(T.Identifier, { LABEL: 'level' });
    });
    // `category "Stock-outs"`: the group the rule's alerts belong to.
    this.OPTION2(() => {
      this.CONSUME(T.Category);
      this.CONSUME1(T.StringLiteral, { LABEL: 'group' });
    });
    this.CONSUME(T.When);
    this.SUBRULE(this.expression);
  });

  excludeDecl = this.RULE('excludeDecl', () => {
    this.CONSUME(T.Exclude);
    this.CONSUME(T.Identifier);
    this.OPTION(() => this.CONSUME(T.StringLiteral));
    this.CONSUME(T.When);
    this.SUBRULE(this.expression);
  });

  testDecl = this.RULE('testDecl', () => {
    this.CONSUME(T.Test);
    this.CONSUME(T.StringLiteral);
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.testItem));
    this.CONSUME(T.RBrace);
  });

  testItem = this.RULE('testItem', () => {
    this.OR([
      {
        GATE: () => this.LA(1).tokenType === T.Expect && this.LA(2).tokenType !== T.Equals,
        ALT: () => this.SUBRULE(this.testExpect),
      },
      { ALT: () => this.SUBRULE(this.testColumn) },
    ]);
  });

  testExpect = this.RULE('testExpect', () => {
    this.CONSUME(T.Expect);
    this.OR([{ ALT: () => this.CONSUME(T.Anomaly) }, { ALT: () => this.CONSUME(T.Normal) }]);
    this.OPTION(() => {
      this.CONSUME(T.At);
      this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.CONSUME(T.NumberLiteral) });
    });
  });

  testColumn = this.RULE('testColumn', () => {
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Equals);
    this.CONSUME(T.LBracket);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.testValue) });
    this.CONSUME(T.RBracket);
  });

  testValue = this.RULE('testValue', () => {
    this.OR([
      {
        ALT: () => {
          this.OPTION(() => this.CONSUME(T.Minus));
          this.CONSUME(T.NumberLiteral);
        },
      },
      { ALT: () => this.CONSUME(T.Identifier) },
      { ALT: () => this.CONSUME(T.StringLiteral) },
    ]);
  });

  expression = this.RULE('expression', () => {
    this.SUBRULE(this.orExpr);
  });

  orExpr = this.RULE('orExpr', () => {
    this.SUBRULE(this.andExpr);
    this.MANY(() => {
      this.CONSUME(T.Or);
      this.SUBRULE1(this.andExpr);
    });
  });

  andExpr = this.RULE('andExpr', () => {
    this.SUBRULE(this.notExpr);
    this.MANY(() => {
      this.CONSUME(T.And);
      this.SUBRULE1(this.notExpr);
    });
  });

  notExpr = this.RULE('notExpr', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Not);
          this.SUBRULE(this.notExpr);
        },
      },
      { ALT: () => this.SUBRULE(this.cmpExpr) },
    ]);
  });

  cmpExpr = this.RULE('cmpExpr', () => {
    this.SUBRULE(this.addExpr);
    this.MANY(() => {
      this.OR([
        ...T.comparisonTokens.map((t) => ({ ALT: () => this.CONSUME(t, { LABEL: 'op' }) })),
        { ALT: () => this.CONSUME(T.In, { LABEL: 'op' }) },
        {
          ALT: () => {
            this.CONSUME(T.Not, { LABEL: 'notIn' });
            this.CONSUME1(T.In, { LABEL: 'op' });
          },
        },
      ]);
      this.SUBRULE1(this.addExpr);
    });
  });

  addExpr = this.RULE('addExpr', () => {
    this.SUBRULE(this.mulExpr);
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(T.Plus, { LABEL: 'op' }) }, { ALT: () => this.CONSUME(T.Minus, { LABEL: 'op' }) }]);
      this.SUBRULE1(this.mulExpr);
    });
  });

  mulExpr = this.RULE('mulExpr', () => {
    this.SUBRULE(this.unaryExpr);
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(T.Star, { LABEL: 'op' }) }, { ALT: () => this.CONSUME(T.Slash, { LABEL: 'op' }) }]);
      this.SUBRULE1(this.unaryExpr);
    });
  });

  unaryExpr = this.RULE('unaryExpr', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Minus);
          this.SUBRULE(this.unaryExpr);
        },
      },
      { ALT: () => this.SUBRULE(this.primary) },
    ]);
  });

  primary = this.RULE('primary', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.NumberLiteral) },
      { ALT: () => this.CONSUME(T.True) },
      { ALT: () => this.CONSUME(T.False) },
      { ALT: () => this.CONSUME(T.StringLiteral) },
      { ALT: () => this.SUBRULE(this.listExpr) },
      { ALT: () => this.SUBRULE(this.callOrName) },
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          this.SUBRULE(this.expression);
          this.CONSUME(T.RParen);
        },
      },
    ]);
  });

  listExpr = this.RULE('listExpr', () => {
    this.CONSUME(T.LBracket);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.expression) });
    this.CONSUME(T.RBracket);
  });

  callOrName = this.RULE('callOrName', () => {
    this.CONSUME(T.Identifier);
    this.OPTION(() => {
      this.CONSUME(T.LParen);
      this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.arg) });
      this.CONSUME(T.RParen);
    });
  });

  arg = this.RULE('arg', () => {
    this.OPTION({
      GATE: () => this.LA(2).tokenType === T.Equals,
      DEF: () => {
        this.CONSUME(T.Identifier, { LABEL: 'argName' });
        this.CONSUME(T.Equals);
      },
    });
    this.SUBRULE(this.expression);
  });
}

let shared: ArlParser | undefined;
/** The parser is costly to build; one instance serves every parse. */
export function arlParser(): ArlParser {
  return (shared ??= new ArlParser());
}

export type { CstNode };
